/**
 * Two runs of one source never overlap, also across processes: two sync handlers, each with its own
 * connection pool to one database (as a scheduled run in one BullMQ worker and a "run now" in another
 * would have), on the embedded PGlite served over the wire (how workers share it) and on a real PostgreSQL.
 * A killed worker's lease expires, and the run it left is then resumed under the same number.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChangeBatch, type Connector, createSecretBox, type SourceStore } from '#core';
import { type Database, openDatabase, rows } from '#db';
import { createSourceStore } from '../../db/sources.ts';
import { createSyncSourceHandler } from '../../workers/connectors/index.ts';
import { DATABASE_KINDS, type DatabaseKind, openTestDatabase } from '../support/databases.ts';
import { buildCollection, createTestEngine, silentLogger, type TestEngine } from '../support/engine.ts';
import { startPgliteServer } from '../support/pglite-server.ts';
import { buildSource } from './support.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Two pools on one database: [the first, with the engine's tables; the second, another "process"]. */
async function twoPools(
  kind: DatabaseKind,
): Promise<{ first: Database; second: Database; stopServer(): Promise<void> }> {
  if (kind === 'pglite') {
    const server = await startPgliteServer(12);
    const first = await openDatabase({ url: server.url, poolSize: 4, embedded: true });
    const second = await openDatabase({ url: server.url, poolSize: 2, embedded: true, migrate: false });
    return { first, second, stopServer: () => server.stop() };
  }
  const first = await openTestDatabase('postgres');
  const second = await openDatabase({ url: first.url, poolSize: 2, migrate: false });
  return { first, second, stopServer: async () => {} };
}

describe.each(DATABASE_KINDS)('one run of a source at a time across processes (%s)', (kind) => {
  let pools: Awaited<ReturnType<typeof twoPools>>;
  let t: TestEngine;
  let storeA: SourceStore;
  let storeB: SourceStore;
  let collectionId: string;

  beforeAll(async () => {
    pools = await twoPools(kind);
    t = await createTestEngine({ INGEST_THREADS: '0' }, { database: pools.first });
    storeA = createSourceStore(pools.first.db);
    storeB = createSourceStore(pools.second.db);
    collectionId = (await buildCollection(t, { everyone: true })).id;
  });
  afterAll(async () => {
    await pools?.second.close();
    // The engine closes the first pool (and drops the PostgreSQL database).
    await t?.close();
    await pools?.stopServer();
  });

  /** A process's sync handler whose connector lists one empty page, after `gate` when given. */
  function processWith(
    store: SourceStore,
    calls: { listed: number },
    gate?: { opened: () => void; wait: Promise<void> },
    lease?: { ttlMs: number; renewEveryMs: number },
  ) {
    const connector: Connector = {
      mode: 'delta',
      async test() {},
      async *listChanges(): AsyncIterable<ChangeBatch> {
        calls.listed++;
        gate?.opened();
        if (gate) await gate.wait;
        yield { changes: [], cursor: `listed-${calls.listed}` };
      },
      async fetch() {
        return null;
      },
      async listReaders() {
        return null;
      },
    };
    const handler = createSyncSourceHandler({
      sources: store,
      documents: t.engine.documents,
      ingestor: t.engine.ingestor,
      connectorFor: () => connector,
      secrets: createSecretBox(null),
      logger: silentLogger,
      ...(lease ? { lease } : {}),
    });
    return (sourceId: string) =>
      handler({ sourceId, manual: true }, { attempt: 1, signal: new AbortController().signal });
  }

  const sourceRow = async (sourceId: string) =>
    (
      await rows<{ run_number: number; state: string; cursor: string | null; lease_owner: string | null }>(
        pools.second.db,
        sql`select run_number, state, cursor, lease_owner from sources where id = ${sourceId}`,
      )
    )[0]!;

  it('skips a second run started in another process while the first is under way', async () => {
    const sourceId = await buildSource(t, {
      kind: 'fake-delta',
      collectionId,
      config: {},
      name: `인사 문서 ${kind}`,
    });
    const opened = deferred();
    const release = deferred();
    const a = { listed: 0 };
    const b = { listed: 0 };
    const first = processWith(storeA, a, { opened: opened.resolve, wait: release.promise });
    const second = processWith(storeB, b);

    const running = first(sourceId);
    await opened.promise;
    await second(sourceId);
    expect(b.listed).toBe(0);
    expect(await sourceRow(sourceId)).toMatchObject({ run_number: 1, state: 'running' });

    release.resolve();
    await running;
    expect(await sourceRow(sourceId)).toMatchObject({
      run_number: 1,
      state: 'idle',
      cursor: 'listed-1',
      lease_owner: null,
    });

    // Once the first is done, the other process runs it.
    await second(sourceId);
    expect(b.listed).toBe(1);
    expect(await sourceRow(sourceId)).toMatchObject({ run_number: 2, state: 'idle', cursor: 'listed-1' });
  });

  it('keeps its lease while a long run renews it', async () => {
    const sourceId = await buildSource(t, {
      kind: 'fake-delta',
      collectionId,
      config: {},
      name: `긴 실행 ${kind}`,
    });
    const opened = deferred();
    const release = deferred();
    const a = { listed: 0 };
    const b = { listed: 0 };
    const first = processWith(
      storeA,
      a,
      { opened: opened.resolve, wait: release.promise },
      { ttlMs: 3000, renewEveryMs: 200 },
    );
    const second = processWith(storeB, b);
    const running = first(sourceId);
    await opened.promise;
    // Wait, by the database's clock, well past the lease's first expiry: only its renewals keep it.
    await pools.second.db.execute(sql`select pg_sleep(4.5)`);
    await second(sourceId);
    expect(b.listed).toBe(0);
    release.resolve();
    await running;
    expect(await sourceRow(sourceId)).toMatchObject({ run_number: 1, state: 'idle' });
  });

  it("resumes a killed worker's run once its lease has expired, under the same run number", async () => {
    const sourceId = await buildSource(t, {
      kind: 'fake-delta',
      collectionId,
      config: {},
      name: `중단된 실행 ${kind}`,
    });
    // What a worker killed mid-run leaves: the source running, its lease still held.
    expect(await storeB.acquireLease(sourceId, 'worker-killed-mid-run', 1500)).toBe(true);
    const started = await storeB.startRun(sourceId);
    const a = { listed: 0 };
    const first = processWith(storeA, a);

    await first(sourceId);
    expect(a.listed).toBe(0);
    expect(await sourceRow(sourceId)).toMatchObject({
      state: 'running',
      lease_owner: 'worker-killed-mid-run',
    });

    for (;;) {
      const [expired] = await rows<{ expired: boolean }>(
        pools.first.db,
        sql`select lease_expires_at < now() as expired from sources where id = ${sourceId}`,
      );
      if (expired?.expired) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await first(sourceId);
    expect(a.listed).toBe(1);
    expect(await sourceRow(sourceId)).toMatchObject({
      run_number: started.run.number,
      state: 'idle',
      lease_owner: null,
    });
  });
});
