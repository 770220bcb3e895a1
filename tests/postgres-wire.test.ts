import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rows, verifyAuditChain } from '#db';
import {
  buildCollection,
  buildUser,
  createTestEngine,
  ingestText,
  type TestEngine,
} from './support/engine.ts';
import { startPgliteServer } from './support/pglite-server.ts';

// The real-deployment path: postgres.js over the Postgres wire protocol, with a pool of connections.
let server: Awaited<ReturnType<typeof startPgliteServer>>;
let t: TestEngine;

beforeAll(async () => {
  server = await startPgliteServer(12);
  const database = await openDatabase({ url: server.url, poolSize: 4 });
  expect(database.kind).toBe('postgres');
  t = await createTestEngine({ DATABASE_URL: server.url, DATABASE_POOL_SIZE: '4' }, { database });
});
afterAll(async () => {
  await t?.close();
  await server?.stop();
});

describe('postgres.js path', () => {
  it('migrates, then ingests and answers with citations under the access policy', async () => {
    const [{ n } = { n: 0 }] = await rows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from pg_extension where extname = 'vector'`,
    );
    expect(n).toBe(1);
    const hr = await buildCollection(t, { readers: ['hr'] });
    await Promise.all([
      ingestText(t, {
        collectionId: hr.id,
        filename: 'parental.md',
        text: '# Parental leave\nParents get 16 weeks of paid parental leave.',
      }),
      ingestText(t, {
        collectionId: hr.id,
        filename: 'remote.md',
        text: '# Remote work\nYou may work remotely up to three days a week.',
      }),
    ]);
    const reader = await buildUser(t, { groups: ['hr'] });
    const outsider = await buildUser(t);
    const ask = (principal: typeof reader, question: string) =>
      t.engine.ask.run({
        principal,
        question,
        conversation: { platform: 'api', channelId: null, threadId: null },
        scope: { userId: principal.userId },
      });
    const answer = await ask(reader, 'How many weeks of parental leave do parents get?');
    expect(answer.answered).toBe(true);
    expect(answer.answer).toContain('16 weeks');
    expect(answer.sources[0]?.title).toBe('Parental leave');
    const denied = await ask(outsider, 'How many weeks of parental leave do parents get?');
    expect(denied.answered).toBe(false);
    expect(denied.answer).not.toContain('16 weeks');
  });

  it('a restart finds the migrations applied and the data intact', async () => {
    const again = await openDatabase({ url: server.url, poolSize: 2 });
    const [{ n } = { n: 0 }] = await rows<{ n: number }>(
      again.db,
      sql`select count(*)::int as n from documents`,
    );
    expect(n).toBe(2);
    await again.close();
    expect((await verifyAuditChain(t.database.db)).ok).toBe(true);
  });
});
