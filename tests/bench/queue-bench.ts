/**
 * Job queue speed (issue 3), reported and never asserted:
 *  - SciFact ingested through BullMQ by 2 worker processes (`node workers/main.ts`) against the embedded
 *    database the web process shares over its socket (as `REDIS_URL=… npm start` + `npm run worker`),
 *    beside the same ingest on the in-process queue; docs/s for both.
 *  - Queue overhead per job, enqueue → handler start, on loopback Redis (and in-process for scale).
 *
 *   node tests/bench/queue-bench.ts [--workers 2] [--jobs 500] [--docs N]
 * Redis: REDIS_URL or REDIS_TEST_URL when set, otherwise a redis-server of its own on a free port.
 * SciFact is read from ../shared/eval/scifact at run time, never copied.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { type JobQueue, loadConfig, sha256Hex, submitDocument } from '#core';
import {
  createDocumentRepository,
  createUser,
  type Database,
  ensureCollection,
  openDatabase,
  openEmbeddedDatabase,
  rows,
} from '#db';
import { createBullmqQueue } from '../../workers/bullmq-queue.ts';
import { startBullmqWorker } from '../../workers/bullmq-worker.ts';
import { createEngine } from '../../workers/engine.ts';
import { createInProcessQueue } from '../../workers/in-process-queue.ts';
import type { JobHandlers } from '../../workers/job-handlers.ts';
import { type ChildProcessUnderTest, killProcess, spawnProcess } from '../support/processes.ts';
import { deleteRedisKeys, type OwnRedis, requireRedis, startOwnRedis, testPrefix } from '../support/redis.ts';
import { type BenchRow, percentile, progress, readJsonl, round } from './support.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const scifact = path.resolve(root, '..', 'shared', 'eval', 'scifact', 'corpus.jsonl');
const logger = pino({ level: 'silent' });

export interface QueueBenchOptions {
  /** Worker processes for the BullMQ ingest. */
  readonly workers?: number;
  /** Jobs measured for the enqueue → start overhead. */
  readonly jobs?: number;
  /** Only the first N SciFact documents (all by default). */
  readonly docs?: number;
}

interface Corpus {
  readonly docs: { _id: string; title?: string; text?: string }[];
}

export async function run(options: QueueBenchOptions = {}): Promise<BenchRow[]> {
  const rowsOut: BenchRow[] = [];
  const { url, own } = await redisForBench();
  try {
    if (existsSync(scifact)) {
      const all = readJsonl<{ _id: string; title?: string; text?: string }>(scifact);
      const corpus = { docs: options.docs ? all.slice(0, options.docs) : all };
      const inProcess = await ingestInProcess(corpus);
      const workers = options.workers ?? 2;
      const bullmq = await ingestWithWorkers(corpus, url, workers);
      rowsOut.push({
        name: `ingest SciFact (${corpus.docs.length} docs), in-process queue`,
        value: round(corpus.docs.length / inProcess),
        unit: 'docs/s',
        note: `${round(inProcess)} s`,
      });
      rowsOut.push({
        name: `ingest SciFact (${corpus.docs.length} docs), BullMQ with ${workers} worker processes`,
        value: round(corpus.docs.length / bullmq),
        unit: 'docs/s',
        target: `≤ 1.2× in-process time (${round(1.2 * inProcess)} s)`,
        note: `${round(bullmq)} s = ${round(bullmq / inProcess, 2)}× in-process`,
      });
    } else {
      progress(`SciFact not found at ${scifact}: skipping the ingest comparison`);
    }
    const jobs = options.jobs ?? 500;
    const overhead = await queueOverhead(url, jobs);
    rowsOut.push({
      name: `queue overhead enqueue → handler start, BullMQ on loopback Redis (${jobs} jobs)`,
      value: round(percentile(overhead.bullmq, 95), 2),
      unit: 'ms p95',
      target: '≤ 20',
      note: `p50 ${round(percentile(overhead.bullmq, 50), 2)} ms`,
    });
    rowsOut.push({
      name: `queue overhead enqueue → handler start, in-process (${jobs} jobs)`,
      value: round(percentile(overhead.inProcess, 95), 3),
      unit: 'ms p95',
      note: `p50 ${round(percentile(overhead.inProcess, 50), 3)} ms`,
    });
    return rowsOut;
  } finally {
    await own?.stop();
  }
}

async function redisForBench(): Promise<{ url: string; own: OwnRedis | null }> {
  const given = process.env.REDIS_URL ?? process.env.REDIS_TEST_URL;
  if (given) return { url: await requireRedis(given), own: null };
  progress('starting a redis-server of its own (set REDIS_URL to use another)');
  const own = await startOwnRedis();
  return { url: own.url, own };
}

/** Submits every document (stored, then queued) and waits until all are ready or failed. Seconds. */
async function ingest(database: Database, queue: JobQueue, corpus: Corpus, waitForAll: () => Promise<void>) {
  const documents = createDocumentRepository(database.db);
  const { collection } = await ensureCollection(database.db, { name: 'scifact', everyone: true });
  const user = await createUser(database.db, { email: 'bench@example.com', role: 'member' });
  const started = performance.now();
  for (const doc of corpus.docs) {
    const bytes = new TextEncoder().encode(doc.text ?? '');
    await submitDocument(
      { documents, queue },
      {
        collectionId: collection.id,
        sourceKey: doc._id,
        title: doc.title?.trim() || doc._id,
        filename: `${doc._id}.txt`,
        mimeType: 'text/plain',
        bytes,
        sha256: sha256Hex(bytes),
        uploadedBy: user.id,
      },
    );
  }
  await waitForAll();
  return (performance.now() - started) / 1000;
}

async function finishedCount(database: Database): Promise<number> {
  const [row] = await rows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from documents where status in ('ready', 'failed')`,
  );
  return row?.n ?? 0;
}

/** The embedded default: on-disk PGlite, jobs on the in-process queue (WORKER_CONCURRENCY 2). */
async function ingestInProcess(corpus: Corpus): Promise<number> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'exgpt-queue-bench-'));
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, SEED_SAMPLE_DOCS: 'false' });
  const database = await openDatabase({ dataDir });
  const engine = await createEngine({ config, logger, database });
  const queue = createInProcessQueue({
    handlers: engine.handlers,
    logger,
    concurrency: config.WORKER_CONCURRENCY,
  });
  try {
    progress(`in-process: ingesting ${corpus.docs.length} SciFact documents`);
    return await ingest(database, queue, corpus, () => queue.drain());
  } finally {
    await queue.close();
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * As deployed without DATABASE_URL: this process is the web process (serves the embedded database on
 * its socket, stores uploads, enqueues), and `workers` worker processes ingest.
 */
async function ingestWithWorkers(corpus: Corpus, url: string, workers: number): Promise<number> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'exgpt-queue-bench-'));
  const prefix = testPrefix();
  const database = await openEmbeddedDatabase({
    dataDir,
    maxConnections: 100,
    poolSize: 4,
    onDeath: (sentence) => {
      throw new Error(sentence);
    },
  });
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, SEED_SAMPLE_DOCS: 'false' });
  const engine = await createEngine({ config, logger, database });
  const queue = createBullmqQueue({ url, prefix, logger });
  const children: ChildProcessUnderTest[] = [];
  try {
    for (let i = 0; i < workers; i++) {
      children.push(
        spawnProcess('workers/main.ts', {
          DATA_DIR: dataDir,
          REDIS_URL: url,
          REDIS_PREFIX: prefix,
          LOG_LEVEL: 'info',
        }),
      );
    }
    await Promise.all(
      children.map((child) => child.waitForLog((line) => line.msg === 'worker ready', 60_000)),
    );
    progress(`BullMQ: ingesting ${corpus.docs.length} SciFact documents with ${workers} worker processes`);
    return await ingest(database, queue, corpus, async () => {
      while ((await finishedCount(database)) < corpus.docs.length)
        await new Promise((r) => setTimeout(r, 200));
    });
  } finally {
    for (const child of children) {
      child.kill('SIGTERM');
      await child.exited;
    }
    for (const child of children) await killProcess(child);
    await queue.close();
    await deleteRedisKeys(url, prefix);
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One job at a time: the time from calling enqueue to the handler starting. Milliseconds. */
async function queueOverhead(url: string, jobs: number): Promise<{ bullmq: number[]; inProcess: number[] }> {
  const measure = async (queue: JobQueue, started: () => Promise<number>) => {
    const samples: number[] = [];
    for (let i = 0; i < jobs + 20; i++) {
      const t0 = performance.now();
      const waiting = started();
      await queue.enqueue('delete-document', { documentId: `bench-${i}` });
      const t1 = await waiting;
      if (i >= 20) samples.push(t1 - t0); // the first jobs warm connections and scripts up
    }
    return samples;
  };
  let resolveStart: ((at: number) => void) | null = null;
  const started = () =>
    new Promise<number>((resolve) => {
      resolveStart = resolve;
    });
  const handlers: JobHandlers = {
    'delete-document': async () => {
      resolveStart?.(performance.now());
    },
  };

  const prefix = testPrefix();
  const bullQueue = createBullmqQueue({ url, prefix, logger });
  const worker = startBullmqWorker({ url, prefix, handlers, logger, concurrency: 1 });
  await worker.ready();
  progress(`queue overhead: ${jobs} jobs through BullMQ, one at a time`);
  let bullmq: number[];
  try {
    bullmq = await measure(bullQueue, started);
  } finally {
    await worker.close();
    await bullQueue.close();
    await deleteRedisKeys(url, prefix);
  }
  const local = createInProcessQueue({ handlers, logger, concurrency: 1 });
  const inProcess = await measure(local, started);
  await local.close();
  return { bullmq, inProcess };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { workers: { type: 'string' }, jobs: { type: 'string' }, docs: { type: 'string' } },
  });
  const result = await run({
    ...(values.workers ? { workers: Number(values.workers) } : {}),
    ...(values.jobs ? { jobs: Number(values.jobs) } : {}),
    ...(values.docs ? { docs: Number(values.docs) } : {}),
  });
  const { printTable } = await import('./support.ts');
  printTable(result);
  process.exit(0);
}
