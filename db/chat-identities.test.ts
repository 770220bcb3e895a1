import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, openTestDatabase } from '../tests/support/databases.ts';
import { createChatIdentities } from './chat-identities.ts';
import { type Database, rows } from './client.ts';

describe.each(DATABASE_KINDS)('on %s', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  describe('chat identities', () => {
    it('links a chat account by email once, and marks it seen whenever it is looked up', async () => {
      const identities = createChatIdentities(database.db);
      const ref = { platform: 'slack' as const, workspaceId: 'T1', userId: 'U1' };
      expect(await identities.find(ref)).toBeNull();
      const linked = await identities.link({
        ref,
        email: 'ada@example.com',
        displayName: 'Ada',
        isBot: false,
      });
      expect(linked.principal).toMatchObject({ email: 'ada@example.com', role: 'member' });
      await database.db.execute(sql`update identities set last_seen_at = now() - interval '30 days'`);

      const found = await identities.find(ref);
      expect(found?.principal.userId).toBe(linked.principal.userId);
      const [seen] = await rows<{ days: number }>(
        database.db,
        sql`select extract(day from now() - last_seen_at)::int as days from identities where external_id = 'U1'`,
      );
      expect(seen?.days).toBe(0);
      // Another workspace's U1 is somebody else.
      expect(await identities.find({ ...ref, workspaceId: 'T2' })).toBeNull();
    });
  });
});
