/**
 * The sync job against an in-memory delta connector (the shape SharePoint's and Drive's change feeds take):
 * cursor kept between runs, readers from the source applied before indexing, a permission change applied
 * to the next question, deletions followed, an unreadable item counted with its reason.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChangeBatch,
  type Connector,
  createSecretBox,
  type SourceChange,
  type SourceReaders,
  UnprocessableDocumentError,
} from '#core';
import { rows } from '#db';
import { createSourceStore } from '../../db/sources.ts';
import { createSyncSourceHandler } from '../../workers/connectors/index.ts';
import {
  buildCollection,
  buildUser,
  createTestEngine,
  silentLogger,
  type TestEngine,
} from '../support/engine.ts';
import { ask, buildSource, documentsOf } from './support.ts';

interface Item {
  text: string;
  version: string;
  readers: SourceReaders | null;
}

/** Changes since a cursor, like a delta feed: the cursor is the index of the next change. */
function fakeDelta(items: Map<string, Item>, log: SourceChange[]): Connector {
  return {
    mode: 'delta',
    async test() {},
    async *listChanges(cursor): AsyncIterable<ChangeBatch> {
      const from = cursor ? Number(cursor) : 0;
      for (let i = from; i < log.length; i++) yield { changes: [log[i]!], cursor: String(i + 1) };
    },
    async fetch(item) {
      const found = items.get(item.externalId);
      if (!found) return null;
      if (found.text === 'BROKEN') throw new UnprocessableDocumentError('The file is password-protected.');
      return {
        bytes: new TextEncoder().encode(found.text),
        filename: `${item.externalId}.md`,
        title: item.externalId,
        url: `https://contoso.sharepoint.example/sites/hr/${encodeURIComponent(item.externalId)}.md`,
      };
    },
    async listReaders(item) {
      return items.get(item.externalId)?.readers ?? null;
    },
  };
}

describe('sync job with a delta source and source permissions', () => {
  let t: TestEngine;
  const items = new Map<string, Item>();
  const log: SourceChange[] = [];
  let sourceId: string;
  let run: () => Promise<void>;

  beforeAll(async () => {
    t = await createTestEngine({ INGEST_THREADS: '0' });
    const collection = await buildCollection(t, { everyone: true });
    sourceId = await buildSource(t, { kind: 'fake-delta', collectionId: collection.id, config: {} });
    const handler = createSyncSourceHandler({
      sources: createSourceStore(t.database.db),
      documents: t.engine.documents,
      ingestor: t.engine.ingestor,
      connectorFor: () => fakeDelta(items, log),
      secrets: createSecretBox(null),
      logger: silentLogger,
    });
    run = () => handler({ sourceId, manual: true }, { attempt: 1, signal: new AbortController().signal });
  });
  afterAll(async () => {
    await t?.close();
  });

  const upsert = (externalId: string, item: Item) => {
    items.set(externalId, item);
    log.push({ kind: 'upsert', item: { externalId, version: item.version } });
  };
  const lastRun = async () =>
    (
      await rows<{ last_run: Record<string, unknown>; cursor: string | null }>(
        t.database.db,
        sql`select last_run, cursor from sources where id = ${sourceId}`,
      )
    )[0]!;

  it('syncs with the readers the source sent, and keeps its cursor', async () => {
    const finance = await buildUser(t, { email: 'kim.minsu@contoso.example' });
    const outsider = await buildUser(t, { email: 'lee@contoso.example' });
    upsert('보너스-지급-기준', {
      text: '# 보너스 지급 기준\n\n성과 등급 S는 기본급의 300%를 성과급으로 받는다.\n',
      version: 'v1',
      readers: { emails: ['Kim.Minsu@contoso.example'], groups: [] },
    });
    upsert('holiday-calendar', {
      text: '# Holidays\n\nThe office is closed on 25 December.\n',
      version: 'v1',
      readers: null,
    });
    upsert('encrypted', { text: 'BROKEN', version: 'v1', readers: null });
    await run();
    const state = await lastRun();
    expect(state.cursor).toBe('3');
    expect(state.last_run).toMatchObject({
      added: 2,
      failed: 1,
      failures: [{ item: 'encrypted', reason: 'The file is password-protected.' }],
    });

    const seen = await ask(t, finance, '성과 등급 S의 성과급은 얼마인가요?');
    expect(seen.answered).toBe(true);
    expect(seen.sources[0]?.url).toBe(
      `https://contoso.sharepoint.example/sites/hr/${encodeURIComponent('보너스-지급-기준')}.md`,
    );
    const hidden = await ask(t, outsider, '성과 등급 S의 성과급은 얼마인가요?');
    expect(hidden.sources.map((s) => s.title)).not.toContain('보너스-지급-기준');
    expect(hidden.answer).not.toContain('300%');

    // A second run with no new changes starts from the cursor: nothing is fetched again.
    await run();
    expect((await lastRun()).last_run).toMatchObject({ added: 0, changed: 0, deleted: 0, failed: 0 });
  });

  it('applies a permission change that removes a reader, and a group reader by externalId', async () => {
    const [finance] = await rows<{ id: string; email: string }>(
      t.database.db,
      sql`select id, email from users where email = 'kim.minsu@contoso.example'`,
    );
    const member = { userId: finance!.id, email: finance!.email, role: 'member' as const };
    upsert('보너스-지급-기준', {
      ...items.get('보너스-지급-기준')!,
      version: 'v2',
      readers: { emails: [], groups: ['entra-group-hr'] },
    });
    await run();
    expect((await lastRun()).last_run).toMatchObject({ unchanged: 1 });
    const gone = await ask(t, member, '성과 등급 S의 성과급은 얼마인가요?');
    expect(gone.answer).not.toContain('300%');

    const hr = await buildUser(t, { email: 'park@contoso.example', groups: ['인사팀'] });
    await t.database.db.execute(sql`update groups set external_id = 'entra-group-hr' where name = '인사팀'`);
    const viaGroup = await ask(t, hr, '성과 등급 S의 성과급은 얼마인가요?');
    expect(viaGroup.answer).toContain('300%');
  });

  it('follows a deletion from the change feed', async () => {
    log.push({ kind: 'delete', externalId: 'holiday-calendar' });
    items.delete('holiday-calendar');
    await run();
    expect((await lastRun()).last_run).toMatchObject({ deleted: 1 });
    expect((await documentsOf(t, sourceId)).map((d) => d.title)).toEqual(['보너스-지급-기준']);
  });
});
