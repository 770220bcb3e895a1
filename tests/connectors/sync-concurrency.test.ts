/**
 * The sync job with several items in flight (issue 20's throughput): a failing item among concurrent ones
 * fails alone with its reason; a source that goes down mid-page stops the run without saving that page's
 * cursor; a run interrupted mid-page resumes without a duplicate and without losing an item; a complete
 * listing that fails half-way and is finished by the queue's retry (a new run) deletes only what it never named.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppError,
  type ChangeBatch,
  type Connector,
  createSecretBox,
  type SourceChange,
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

const TOPICS = [
  '출장비',
  '연차',
  '재택근무',
  '야근 수당',
  '교육비',
  '경조사',
  '보안 점검',
  '주차',
  '식대',
  '복장',
  '장비 반납',
];
const topic = (i: number) => TOPICS[(i - 1) % TOPICS.length]!;
const policy = (i: number) =>
  `# ${topic(i)} 규정\n\n${topic(i)} 신청서는 사유가 생긴 뒤 ${i + 3}일 안에 낸다.\nRule ${i}: file the ${i} form within ${i + 3} days.\n`;

interface Behaviour {
  /** Throws for this item (once, or every time). */
  failOn?: { id: string; error: () => Error; once?: boolean };
  /** Called as each fetch starts: the test can abort the run there. */
  onFetch?: (id: string, started: number) => void;
}

/** A delta feed of `pages` (external ids), each page a batch whose cursor is its number. */
function pagedDelta(
  pages: string[][],
  behaviour: Behaviour,
  stats: { inFlight: number; most: number; fetched: string[] },
): Connector {
  return {
    mode: 'delta',
    async test() {},
    async *listChanges(cursor): AsyncIterable<ChangeBatch> {
      for (let page = cursor ? Number(cursor) : 0; page < pages.length; page++) {
        const changes: SourceChange[] = pages[page]!.map((id) => ({
          kind: 'upsert',
          item: { externalId: id, version: 'v1' },
        }));
        yield { changes, cursor: String(page + 1) };
      }
    },
    async fetch(item) {
      stats.fetched.push(item.externalId);
      stats.inFlight++;
      stats.most = Math.max(stats.most, stats.inFlight);
      try {
        behaviour.onFetch?.(item.externalId, stats.fetched.length);
        // Yield to the event loop a few times, as a download would, so that other items start meanwhile.
        for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
        const failOn = behaviour.failOn;
        if (failOn?.id === item.externalId) {
          if (failOn.once) behaviour.failOn = undefined;
          throw failOn.error();
        }
        const n = Number(item.externalId.replace(/\D/g, ''));
        return {
          bytes: new TextEncoder().encode(policy(n)),
          filename: `${item.externalId}.md`,
          title: `${topic(n)} 규정`,
          url: `https://intranet.example/policies/${n}`,
        };
      } finally {
        stats.inFlight--;
      }
    },
    async listReaders() {
      return null;
    },
  };
}

describe('sync job with items in flight', () => {
  let t: TestEngine;
  let collectionId: string;

  beforeAll(async () => {
    t = await createTestEngine({ INGEST_THREADS: '0' });
    collectionId = (await buildCollection(t, { everyone: true })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function setup(pages: string[][], behaviour: Behaviour) {
    const sourceId = await buildSource(t, { kind: 'fake-delta', collectionId, config: {} });
    const stats = { inFlight: 0, most: 0, fetched: [] as string[] };
    let controller = new AbortController();
    const handler = createSyncSourceHandler({
      sources: createSourceStore(t.database.db),
      documents: t.engine.documents,
      ingestor: t.engine.ingestor,
      connectorFor: () => pagedDelta(pages, behaviour, stats),
      secrets: createSecretBox(null),
      logger: silentLogger,
      itemsInFlight: 4,
    });
    const run = async () => {
      controller = new AbortController();
      await handler({ sourceId, manual: true }, { attempt: 1, signal: controller.signal });
    };
    const state = async () =>
      (
        await rows<{ last_run: Record<string, unknown>; cursor: string | null; state: string }>(
          t.database.db,
          sql`select last_run, cursor, state from sources where id = ${sourceId}`,
        )
      )[0]!;
    return { sourceId, stats, run, state, abort: () => controller.abort(new Error('worker shutting down')) };
  }

  it('fails one unreadable item alone while the others around it are indexed', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `규정-${i + 1}`);
    const s = await setup([ids], {
      failOn: {
        id: '규정-3',
        error: () => new UnprocessableDocumentError('암호로 보호된 파일이라 읽을 수 없습니다.'),
      },
    });
    await s.run();
    const { last_run, cursor, state } = await s.state();
    expect(state).toBe('idle');
    expect(cursor).toBe('1');
    expect(last_run).toMatchObject({
      added: 7,
      failed: 1,
      failures: [{ item: '규정-3', reason: '암호로 보호된 파일이라 읽을 수 없습니다.' }],
    });
    // Several at once, never more than asked.
    expect(s.stats.most).toBeGreaterThan(1);
    expect(s.stats.most).toBeLessThanOrEqual(4);
    const docs = await documentsOf(t, s.sourceId);
    expect(docs.map((d) => d.title).sort()).toEqual(
      ids
        .filter((id) => id !== '규정-3')
        .map((id) => `${topic(Number(id.slice(3)))} 규정`)
        .sort(),
    );
    expect(docs.every((d) => d.status === 'ready')).toBe(true);
    const member = await buildUser(t, { email: 'jung@contoso.example' });
    const answer = await ask(t, member, '보안 점검 신청서는 며칠 안에 내야 하나요?');
    expect(answer.answer).toContain('10일');
    expect(answer.sources[0]?.url).toBe('https://intranet.example/policies/7');
  });

  it('stops at a source outage without saving the page it was on, and the next run finishes it once', async () => {
    const pages = [
      ['문서-1', '문서-2', '문서-3', '문서-4'],
      ['문서-5', '문서-6', '문서-7', '문서-8', '문서-9', '문서-10'],
    ];
    const s = await setup(pages, {
      failOn: {
        id: '문서-6',
        once: true,
        error: () => new AppError('upstream_unavailable', 'SharePoint answered HTTP 503.', { expose: true }),
      },
    });
    await expect(s.run()).rejects.toThrow('HTTP 503');
    const failed = await s.state();
    expect(failed.state).toBe('failed');
    // The first page is saved; the second, half done, is not.
    expect(failed.cursor).toBe('1');
    expect(failed.last_run).toMatchObject({ error: 'SharePoint answered HTTP 503.' });

    await s.run();
    const docs = await documentsOf(t, s.sourceId);
    expect(docs.map((d) => d.source_key.split(':')[1]).sort()).toEqual(pages.flat().sort());
    expect(new Set(docs.map((d) => d.source_key)).size).toBe(10);
    expect(docs.every((d) => d.status === 'ready')).toBe(true);
    expect((await s.state()).cursor).toBe('2');
  });

  it('resumes a run interrupted mid-page with no duplicate and nothing lost', async () => {
    const pages = [
      ['항목-1', '항목-2', '항목-3'],
      ['항목-4', '항목-5', '항목-6', '항목-7', '항목-8', '항목-9', '항목-10', '항목-11'],
    ];
    let abortAt: number | null = 6;
    let s!: Awaited<ReturnType<typeof setup>>;
    s = await setup(pages, {
      onFetch: (_id, started) => {
        if (abortAt !== null && started === abortAt) {
          abortAt = null;
          s.abort();
        }
      },
    });
    await expect(s.run()).rejects.toThrow();
    const interrupted = await s.state();
    // Shutting down: the run stays running, at the last page whose items were all done.
    expect(interrupted.state).toBe('running');
    expect(interrupted.cursor).toBe('1');
    const runNumber = interrupted.last_run.number;

    await s.run();
    const after = await s.state();
    expect(after.state).toBe('idle');
    expect(after.last_run.number).toBe(runNumber);
    const docs = await documentsOf(t, s.sourceId);
    expect(docs.map((d) => d.source_key.split(':')[1]).sort()).toEqual(pages.flat().sort());
    expect(docs.every((d) => d.status === 'ready')).toBe(true);
    // The saved page was not downloaded again; the interrupted one was redone from its start.
    for (const id of pages[0]!) expect(s.stats.fetched.filter((f) => f === id)).toHaveLength(1);
  });

  it('a complete listing finished by the retry of a failed run deletes only what the listing never named', async () => {
    const doc = (id: string): SourceChange => ({ kind: 'upsert', item: { externalId: id, version: 'v1' } });
    let failPageTwo = true;
    // A delta feed whose token expires after the first sync: it lists everything again, in two pages,
    // keeping in its cursor the run the listing began in (as SharePoint's and Drive's connectors do).
    const resyncing: Connector = {
      mode: 'delta',
      async test() {},
      async *listChanges(cursor, context): AsyncIterable<ChangeBatch> {
        if (cursor === null) {
          yield { changes: [doc('인사-1'), doc('삭제될-2')], cursor: 'synced' };
          return;
        }
        let since = Number(cursor.split(':')[1]);
        if (cursor === 'synced') {
          since = context.run!;
          yield {
            changes: [doc('인사-1')],
            cursor: `resync:${since}`,
            completeListingOf: { prefix: '', final: false, sinceRun: since },
          };
        }
        if (failPageTwo) {
          failPageTwo = false;
          throw new AppError('upstream_unavailable', 'Microsoft Graph answered HTTP 503.', { expose: true });
        }
        yield {
          changes: [doc('새-3')],
          cursor: 'synced-again',
          completeListingOf: { prefix: '', final: true, sinceRun: since },
        };
      },
      async fetch(item) {
        return {
          bytes: new TextEncoder().encode(`# ${item.externalId}\n\n${item.externalId} 문서의 본문입니다.\n`),
          filename: `${item.externalId}.md`,
          title: item.externalId,
          url: null,
        };
      },
      async listReaders() {
        return null;
      },
    };
    const sourceId = await buildSource(t, { kind: 'fake-delta', collectionId, config: {} });
    const handler = createSyncSourceHandler({
      sources: createSourceStore(t.database.db),
      documents: t.engine.documents,
      ingestor: t.engine.ingestor,
      connectorFor: () => resyncing,
      secrets: createSecretBox(null),
      logger: silentLogger,
    });
    const run = () =>
      handler({ sourceId, manual: true }, { attempt: 1, signal: new AbortController().signal });
    const keys = async () => (await documentsOf(t, sourceId)).map((d) => d.source_key.split(':')[1]).sort();

    await run();
    expect(await keys()).toEqual(['삭제될-2', '인사-1'].sort());
    await expect(run()).rejects.toThrow('HTTP 503');
    // The retry is a new run; the first page of the listing was named by the failed one.
    await run();
    expect(await keys()).toEqual(['새-3', '인사-1'].sort());
    const [state] = await rows<{ last_run: { number: number; deleted: number; added: number } }>(
      t.database.db,
      sql`select last_run from sources where id = ${sourceId}`,
    );
    expect(state!.last_run).toMatchObject({ number: 3, added: 1, deleted: 1 });
  });
});
