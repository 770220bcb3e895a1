/**
 * The scale-out path's speed (issue 18), reported and never asserted. `npm run bench -- --only postgres`:
 *  - retrieval p50/p95 on real PostgreSQL beside PGlite, same synthetic chunks (same seed), same queries,
 *    both scopes (all readable; a channel bound to a 10% collection); `--pg-chunks N` (default 100000);
 *  - SciFact ingest by 1, 2 and 4 worker processes on real PostgreSQL (docs/s), with the CPU seconds of the
 *    workers and of PostgreSQL to name the bottleneck; `--docs N` limits the documents;
 *    `--pg-explain` prints the plans of one question's BM25 and vector statements per database and scope;
 *  - 200 concurrent REST asks spread over 2 web processes on the real PostgreSQL of the retrieval part.
 * The 100k chunks are copied into both databases (tests/bench/copy-load.ts), which takes minutes, not hours.
 * Real PostgreSQL comes from ../shared/scripts/real-postgres (as in `npm test`), Redis is a redis-server of its own.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { pino } from 'pino';
import postgres from 'postgres';
import { loadConfig, sha256Hex, submitDocument } from '#core';
import {
  createApiKey,
  createDocumentRepository,
  createUser,
  type Database,
  ensureCollection,
  openDatabase,
  rows,
  schema,
} from '#db';
import { createHybridRetriever } from '../../core/retrieval/hybrid-retriever.ts';
import { createChunkSearch } from '../../db/chunk-search.ts';
import { migrateDatabase, openPglite } from '../../db/client.ts';
import { createBullmqQueue } from '../../workers/bullmq-queue.ts';
import { createEngine, type Engine } from '../../workers/engine.ts';
import { createServerDatabase } from '../support/databases.ts';
import { startRealPostgres } from '../support/global-setup.ts';
import { type ChildProcessUnderTest, killProcess, spawnProcess } from '../support/processes.ts';
import { deleteRedisKeys, startOwnRedis, testPrefix } from '../support/redis.ts';
import { BENCH_USER, copyLoadSynthetic, pgliteCopyTarget, postgresCopyTarget } from './copy-load.ts';
import { explainRetrieval } from './explain-retrieval.ts';
import { type BenchRow, percentile, progress, readJsonl, round } from './support.ts';
import { createSyntheticText } from './synthetic.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const scifact = path.resolve(root, '..', 'shared', 'eval', 'scifact', 'corpus.jsonl');
const logger = pino({ level: 'silent' });

export async function benchPostgres(
  out: BenchRow[],
  options: { chunks: number; docs?: number; parts: readonly string[]; explain?: boolean },
): Promise<void> {
  const postgres = await startRealPostgres();
  const redis = await startOwnRedis();
  process.env.TEST_DATABASE_URL = postgres.url;
  // Stopped by Ctrl-C: the throwaway servers go too.
  const onSignal = () => {
    void Promise.allSettled([redis.stop(), postgres.stop()]).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (options.parts.includes('retrieval')) {
      const loaded = await retrieval(out, options.chunks, options.explain ?? false);
      try {
        if (options.parts.includes('asks')) await concurrentAsks(out, loaded.url, redis.url, loaded.key);
      } finally {
        await loaded.drop();
      }
    }
    if (options.parts.includes('ingest')) {
      const corpus = readJsonl<{ _id: string; title?: string; text?: string }>(scifact);
      const docs = corpus.slice(0, options.docs ?? corpus.length);
      for (const workers of [1, 2, 4])
        out.push(await ingestWithWorkers(docs, redis.url, postgres.dir, workers));
    }
  } finally {
    await redis.stop();
    await postgres.stop();
  }
}

async function measureRetrieval(
  database: Database,
  engine: Engine,
  label: string,
  target: number,
  explain: boolean,
) {
  const db = database.db;
  const config = loadConfig({ LOG_LEVEL: 'silent', SEED_SAMPLE_DOCS: 'false' });
  const [user] = await db.select().from(schema.users).where(eq(schema.users.email, BENCH_USER));
  const [narrow] = await db.select().from(schema.collections).where(eq(schema.collections.name, 'finance'));
  const retriever = createHybridRetriever({ search: createChunkSearch(db), embedder: engine.embedder });
  const rowsOut: BenchRow[] = [];
  // The same query stream on both databases: its own generator with a fixed seed.
  const queries = createSyntheticText(7);
  for (const [scopeLabel, scope] of [
    ['all readable', { userId: user!.id }],
    ['channel bound to a 10% collection', { userId: user!.id, collectionIds: [narrow!.id] }],
  ] as const) {
    for (let i = 0; i < 20; i++) await retriever.retrieve(queries.query(), scope, { limit: 8 });
    const latencies: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      await retriever.retrieve(queries.query(), scope, { limit: 8, tokenBudget: config.CONTEXT_TOKENS });
      latencies.push(performance.now() - t0);
    }
    if (explain) {
      const question = queries.query();
      const plans = await explainRetrieval(db, engine.embedder, question, scope);
      progress(`${label}, ${scopeLabel}: plans for "${question}"\n${plans.join('\n\n')}`);
    }
    rowsOut.push({
      name: `retrieval p95 @ ${target} chunks on ${label}, ${scopeLabel}`,
      value: round(percentile(latencies, 95)),
      unit: 'ms',
      target: '≤ 50',
      note: `p50 ${round(percentile(latencies, 50))} ms, 300 queries`,
    });
  }
  return rowsOut;
}

/**
 * The same synthetic chunks, copied into PGlite (on disk, as the embedded default runs) and into real
 * PostgreSQL (tests/bench/copy-load.ts); retrieval measured on each.
 */
async function retrieval(out: BenchRow[], target: number, explain: boolean) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'exgpt-bench-pglite-'));
  // Ctrl-C ends the bench with process.exit, which skips the `finally` below.
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  process.once('exit', removeDataDir);
  const liteConfig = loadConfig({ LOG_LEVEL: 'silent', SEED_SAMPLE_DOCS: 'false', DATA_DIR: dataDir });
  const { pglite, database: lite } = await openPglite(dataDir);
  await migrateDatabase(lite, undefined);
  const liteEngine = await createEngine({ config: liteConfig, logger, database: lite });

  const config = loadConfig({ LOG_LEVEL: 'silent', SEED_SAMPLE_DOCS: 'false' });
  const created = await createServerDatabase();
  const database = await openDatabase({ url: created.url, poolSize: 8 });
  const engine = await createEngine({ config, logger, database });
  const copyClient = postgres(created.url, { max: 1, onnotice: () => {} });
  try {
    out.push(
      ...(await copyLoadSynthetic(
        [
          pgliteCopyTarget('PGlite', lite.db, pglite),
          postgresCopyTarget('PostgreSQL 15', database.db, copyClient),
        ],
        engine.embedder,
        target,
        createSyntheticText(),
      )),
    );
    out.push(...(await measureRetrieval(lite, liteEngine, 'PGlite', target, explain)));
  } finally {
    await copyClient.end({ timeout: 5 });
    await liteEngine.close();
    // A 100k PGlite directory is gigabytes: never left behind in /tmp.
    removeDataDir();
    process.off('exit', removeDataDir);
  }

  out.push(...(await measureRetrieval(database, engine, 'PostgreSQL 15', target, explain)));
  const [user] = await database.db.select().from(schema.users).where(eq(schema.users.email, BENCH_USER));
  const { key } = await createApiKey(database.db, { userId: user!.id, name: 'bench', scopes: ['ask'] });
  await engine.close();
  return { url: created.url, key, drop: created.drop };
}

/** 200 asks at once, spread over 2 web processes on one PostgreSQL and Redis. */
async function concurrentAsks(out: BenchRow[], url: string, redisUrl: string, key: string) {
  const prefix = testPrefix();
  const webs = [0, 1].map(() =>
    spawnProcess('bot/main.ts', {
      DATABASE_URL: url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      SEED_SAMPLE_DOCS: 'false',
      LOG_LEVEL: 'warn',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-42',
      DATABASE_POOL_SIZE: '20',
    }),
  );
  try {
    const urls = await Promise.all(
      webs.map(async (web) => (await web.waitForText(/ready on (http:\/\/\S+)/, 120_000))[1]!),
    );
    const questions = createSyntheticText(11);
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const t0 = performance.now();
        try {
          const response = await fetch(`${urls[i % 2]}/api/v1/ask`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ question: questions.query() }),
          });
          await response.arrayBuffer();
          return { ok: response.status === 200, ms: performance.now() - t0, status: response.status };
        } catch {
          return { ok: false, ms: performance.now() - t0, status: 0 };
        }
      }),
    );
    const wall = (performance.now() - started) / 1000;
    const errors = results.filter((r) => !r.ok);
    out.push({
      name: '200 concurrent REST asks over 2 web processes, PostgreSQL 15',
      value: round(
        percentile(
          results.map((r) => r.ms),
          95,
        ),
      ),
      unit: 'ms p95',
      target: '0 errors',
      note: `${errors.length} errors${errors.length ? ` (status ${[...new Set(errors.map((e) => e.status))].join(', ')})` : ''}; p50 ${round(
        percentile(
          results.map((r) => r.ms),
          50,
        ),
      )} ms; all done in ${round(wall)} s`,
    });
  } finally {
    for (const web of webs) await killProcess(web);
    await deleteRedisKeys(redisUrl, prefix);
  }
}

/** CPU seconds (user + system) of a process, from /proc; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The server's postmaster and every backend it forked: their CPU seconds together (live backends only). */
function postgresCpuSeconds(dir: string): number {
  const postmaster = Number(readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = cpuSeconds(postmaster);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const parent = Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (parent === postmaster) total += cpuSeconds(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

async function ingestWithWorkers(
  docs: readonly { _id: string; title?: string; text?: string }[],
  redisUrl: string,
  pgDir: string,
  workers: number,
): Promise<BenchRow> {
  const created = await createServerDatabase();
  const prefix = testPrefix();
  const database = await openDatabase({ url: created.url, poolSize: 4 });
  const queue = createBullmqQueue({ url: redisUrl, prefix, logger });
  const children: ChildProcessUnderTest[] = [];
  try {
    for (let i = 0; i < workers; i++) {
      children.push(
        spawnProcess('workers/main.ts', {
          DATABASE_URL: created.url,
          REDIS_URL: redisUrl,
          REDIS_PREFIX: prefix,
          DATABASE_POOL_SIZE: '8',
          LOG_LEVEL: 'info',
        }),
      );
    }
    await Promise.all(
      children.map((child) => child.waitForLog((line) => line.msg === 'worker ready', 120_000)),
    );
    const documents = createDocumentRepository(database.db);
    const { collection } = await ensureCollection(database.db, { name: 'scifact', everyone: true });
    const user = await createUser(database.db, { email: 'bench@example.com', role: 'member' });
    const pgBefore = postgresCpuSeconds(pgDir);
    const started = performance.now();
    progress(`PostgreSQL: ingesting ${docs.length} SciFact documents with ${workers} worker process(es)`);
    for (const doc of docs) {
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
    for (;;) {
      const [row] = await rows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from documents where status in ('ready', 'failed')`,
      );
      if ((row?.n ?? 0) >= docs.length) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const seconds = (performance.now() - started) / 1000;
    const workerCpu = children.reduce((sum, child) => sum + cpuSeconds(child.child.pid!), 0);
    const pgCpu = postgresCpuSeconds(pgDir) - pgBefore;
    return {
      name: `ingest SciFact (${docs.length} docs) on PostgreSQL 15, ${workers} worker process(es)`,
      value: round(docs.length / seconds),
      unit: 'docs/s',
      note: `${round(seconds)} s; CPU: workers ${round(workerCpu)} s, PostgreSQL ${round(pgCpu)} s (machine: 2 cores, shared)`,
    };
  } finally {
    for (const child of children) await killProcess(child);
    await queue.close();
    await deleteRedisKeys(redisUrl, prefix);
    await database.close();
    await created.drop();
  }
}
