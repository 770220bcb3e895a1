/**
 * Real worker processes (`node workers/main.ts`) on real Redis and one shared database (PGlite served over
 * the Postgres wire protocol): a worker killed with SIGKILL in the middle of writing a document's chunks,
 * and a worker stopped with SIGTERM while a job runs. The database server lets the test hold a worker at
 * an exact statement, so "in the middle" is deterministic, not a matter of timing.
 */

import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingestJobId, sha256Hex, submitDocument } from '#core';
import { openDatabase, rows } from '#db';
import { type BullmqQueue, createBullmqQueue, toBullmqJobId } from '../workers/bullmq-queue.ts';
import { buildCollection, createTestEngine, silentLogger, type TestEngine } from './support/engine.ts';
import { startPgliteServer } from './support/pglite-server.ts';
import { type ChildProcessUnderTest, killProcess, spawnProcess } from './support/processes.ts';
import { deleteRedisKeys, REDIS_TEST_URL, requireRedis, testPrefix } from './support/redis.ts';

const HANDBOOK = Array.from(
  { length: 12 },
  (_, i) =>
    `## Policy ${i + 1}\n\n` +
    `Section ${i + 1} explains rule number ${i + 1} of the employee handbook in plain words. `.repeat(12),
).join('\n\n');

interface Hold {
  readonly match: RegExp;
  readonly reached: Promise<void>;
  release(): void;
}

let server: Awaited<ReturnType<typeof startPgliteServer>>;
let t: TestEngine;
let queue: BullmqQueue;
let prefix: string;
let collectionId: string;
let armed: (Hold & { reach(): void; released: Promise<void> }) | null = null;
const workers: ChildProcessUnderTest[] = [];

/** Holds the next statement matching `match` (from any process) until `release()`. */
function holdAt(match: RegExp): Hold {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => {
    reach = r;
  });
  const released = new Promise<void>((r) => {
    release = r;
  });
  armed = { match, reached, reach, release, released };
  return { match, reached, release };
}

beforeAll(async () => {
  await requireRedis();
  server = await startPgliteServer(60, {
    onTurn: async ({ queries }) => {
      const hold = armed;
      if (hold && queries.some((query) => hold.match.test(query))) {
        armed = null;
        hold.reach();
        await hold.released;
      }
    },
  });
  const database = await openDatabase({ url: server.url, poolSize: 4 });
  t = await createTestEngine({ DATABASE_URL: server.url, DATABASE_POOL_SIZE: '4' }, { database });
  prefix = testPrefix();
  queue = createBullmqQueue({
    url: REDIS_TEST_URL,
    prefix,
    logger: silentLogger,
    attempts: 3,
    backoffMs: 100,
  });
  collectionId = (await buildCollection(t)).id;
});

afterEach(async () => {
  armed?.release();
  armed = null;
  for (const worker of workers.splice(0)) await killProcess(worker);
});

afterAll(async () => {
  await queue?.close();
  await deleteRedisKeys(REDIS_TEST_URL, prefix);
  await t?.close();
  await server?.stop();
});

async function startWorker(env: Record<string, string> = {}): Promise<ChildProcessUnderTest> {
  const worker = spawnProcess('workers/main.ts', {
    DATABASE_URL: server.url,
    DATABASE_POOL_SIZE: '3',
    REDIS_URL: REDIS_TEST_URL,
    REDIS_PREFIX: prefix,
    WORKER_CONCURRENCY: '1',
    JOB_LOCK_MS: '2000',
    JOB_BACKOFF_MS: '100',
    SEED_SAMPLE_DOCS: 'false',
    ...env,
  });
  workers.push(worker);
  await worker.waitForLog((line) => line.msg === 'worker ready');
  return worker;
}

async function submit(filename: string) {
  const bytes = new TextEncoder().encode(HANDBOOK);
  const outcome = await submitDocument(
    { documents: t.engine.documents, queue },
    {
      collectionId,
      sourceKey: filename,
      title: 'Handbook',
      filename,
      mimeType: 'text/markdown',
      bytes,
      sha256: sha256Hex(bytes),
      uploadedBy: t.admin.userId,
    },
  );
  return outcome.document;
}

async function statusOf(documentId: string) {
  return (await t.engine.documents.get(documentId))?.status;
}

async function chunksOf(documentId: string) {
  return rows<{ position: number; text: string; heading_path: string[]; token_count: number }>(
    t.database.db,
    sql`select position, text, heading_path, token_count from chunks where document_id = ${documentId} order by position`,
  );
}

async function indexStatistics() {
  const [stats] = await rows<{ counted: number; actual: number }>(
    t.database.db,
    sql`select (select chunk_count from lex_stats where id = 1)::int as counted, (select count(*) from chunks)::int as actual`,
  );
  return stats;
}

let clean: Awaited<ReturnType<typeof chunksOf>>;

describe('worker processes', () => {
  beforeAll(async () => {
    // The chunks that a run nothing interrupts stores for HANDBOOK.
    const worker = await startWorker();
    const doc = await submit('clean.md');
    await vi.waitFor(async () => expect(await statusOf(doc.id)).toBe('ready'), {
      timeout: 30_000,
      interval: 100,
    });
    clean = await chunksOf(doc.id);
    expect(clean.length).toBeGreaterThan(3);
    worker.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('a worker killed with SIGKILL while writing chunks leaves none; the retried job stores exactly the clean run', async () => {
    const first = await startWorker();

    // The worker has inserted the chunks and postings in its transaction; hold it before the embeddings.
    const hold = holdAt(/insert into chunk_embeddings/);
    const doc = await submit('crash.md');
    await hold.reached;
    first.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    hold.release();

    const afterKill = await chunksOf(doc.id);
    expect(afterKill).toEqual([]);
    expect(await statusOf(doc.id)).not.toBe('ready');
    const stats = await indexStatistics();
    expect(stats?.counted).toBe(stats?.actual);

    // Another worker takes the job over once the dead worker's lock expires.
    await startWorker();
    await expect.poll(() => statusOf(doc.id), { timeout: 30_000 }).toBe('ready');
    const afterRetry = await chunksOf(doc.id);
    expect(afterRetry).toEqual(clean);
    const after = await indexStatistics();
    expect(after?.counted).toBe(after?.actual);
    process.stdout.write(
      `SIGKILL mid-write: clean run ${clean.length} chunks; after the kill ${afterKill.length}; after the retry ${afterRetry.length}\n`,
    );
  });

  it('SIGTERM lets the running job finish before the worker exits', async () => {
    const worker = await startWorker();
    // The job's first statement: it reads the document and its file.
    const hold = holdAt(/^select .* from "documents" left join "document_files"/);
    const doc = await submit('sigterm-finish.md');
    await hold.reached;
    worker.kill('SIGTERM');
    await worker.waitForLog((line) => line.msg === 'worker shutting down');
    hold.release();
    expect(await worker.exited).toBe(0);
    expect(await statusOf(doc.id)).toBe('ready');
    expect(await chunksOf(doc.id)).toEqual(clean);
  });

  it('SIGTERM hands a job that outlives the grace period back to the queue, without using up an attempt', async () => {
    const worker = await startWorker({ SHUTDOWN_GRACE_MS: '200' });

    // The job's first statement: it reads the document and its file.
    const hold = holdAt(/^select .* from "documents" left join "document_files"/);
    const doc = await submit('sigterm-handback.md');
    await hold.reached;
    worker.kill('SIGTERM');
    await worker.waitForLog((line) => line.msg === 'worker shutting down');
    await new Promise((resolve) => setTimeout(resolve, 500));
    hold.release();
    expect(await worker.exited).toBe(0);
    await worker.waitForLog((line) => line.msg === 'job handed back at shutdown');
    expect(await statusOf(doc.id)).not.toBe('ready');

    const inspect = new Queue('jobs', { connection: { url: REDIS_TEST_URL }, prefix });
    try {
      const job = await inspect.getJob(toBullmqJobId(ingestJobId(doc.id, doc.version)));
      expect(['waiting', 'delayed']).toContain(await job?.getState());
      expect(job?.attemptsMade).toBe(0);
    } finally {
      await inspect.close();
    }

    await startWorker();
    await expect.poll(() => statusOf(doc.id), { timeout: 30_000 }).toBe('ready');
    expect(await chunksOf(doc.id)).toEqual(clean);
  });
});
