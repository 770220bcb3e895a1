/**
 * "Delete it whenever you like": a collection that holds documents can be deleted together with them,
 * in one audited transaction; without asking for that, it is refused with the count, and nothing changes.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '#db';
import { buildAdminApp, gql, gqlOk, userWithRole } from './support/admin.ts';
import { buildCollection, createTestEngine, ingestText, type TestEngine } from './support/engine.ts';

let t: TestEngine;
beforeAll(async () => {
  t = await createTestEngine();
});
afterAll(() => t.close());

const count = async (query: ReturnType<typeof sql>) =>
  (await rows<{ n: number }>(t.database.db, query))[0]!.n;

describe('deleteCollection', () => {
  it('refuses a collection with documents unless asked to delete them too, then deletes both', async () => {
    const app = await buildAdminApp(t);
    const curator = await userWithRole(t, 'curator');
    const hr = await buildCollection(t, { name: '인사 자료', everyone: true });
    for (const [filename, text] of [
      ['휴가-규정.md', '# 휴가 규정\n\n연차 휴가는 입사 1년 후 15일이 주어집니다.\n'],
      ['출장-규정.md', '# 출장 규정\n\n출장비는 귀국 후 2주 안에 정산합니다.\n'],
    ] as const) {
      await ingestText(t, { collectionId: hr.id, filename, text });
    }
    // Their uploaded files, in DATA_DIR/files beside the embedded database.
    const files = await t.engine.files.list();
    expect(files).toHaveLength(2);
    const mutation = 'mutation($id: ID!, $all: Boolean) { deleteCollection(id: $id, deleteDocuments: $all) }';

    const refused = await gql(app, mutation, { id: hr.id }, { token: curator.token });
    expect(refused.errors?.[0]).toMatchObject({
      message:
        'The collection still holds 2 documents: move them first, or delete the collection with its documents.',
      extensions: { code: 'conflict', documentCount: 2 },
    });
    expect(await count(sql`select count(*)::int as n from documents where collection_id = ${hr.id}`)).toBe(2);

    const before = await count(sql`select coalesce(max(id), 0)::int as n from audit_events`);
    await gqlOk(app, mutation, { id: hr.id, all: true }, curator.token);
    expect(await count(sql`select count(*)::int as n from collections where id = ${hr.id}`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from documents where collection_id = ${hr.id}`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from chunks where collection_id = ${hr.id}`)).toBe(0);
    expect(await t.engine.files.list()).toEqual([]);
    const events = await rows<{ action: string; actor_label: string }>(
      t.database.db,
      sql`select action, actor_label from audit_events where id > ${before} order by id`,
    );
    expect(events.map((e) => e.action)).toEqual(['document.delete', 'document.delete', 'collection.delete']);
    expect(new Set(events.map((e) => e.actor_label))).toEqual(new Set([curator.email]));

    const answer = await t.engine.ask.run({
      principal: t.admin,
      question: '연차 휴가는 며칠인가요?',
      conversation: { platform: 'api', channelId: null, threadId: null },
      scope: { userId: t.admin.userId },
    });
    expect(answer.answered).toBe(false);
    await app.close();
  });
});
