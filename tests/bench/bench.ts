/**
 * npm run bench [-- --skip-100k] [-- --only scifact|korean|100k|modules|postgres|formats|ingest-load|connectors|redis-embedded]
 *   --only redis-embedded [--docs N]: tests/bench/redis-embedded-bench.ts (N × 1 MB while 100 asks, default 50)
 *   --only connectors [--source-kind folder|sharepoint]: the connectors part for one source kind
 *   --only connectors [--source-items N]: tests/bench/connector-bench.ts
 *   --only postgres [--pg-chunks N] [--pg-parts retrieval,asks,ingest] [--docs N] [--pg-explain]: tests/bench/postgres-bench.ts
 *   --only formats: tests/bench/formats-bench.ts
 * Measures the speed targets of the issues and prints one table. Nothing here is asserted: the figures
 * are reported (CI does not run this). SciFact is read from ../shared at run time, never copied.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { Embeddings } from '@langchain/core/embeddings';
import { eq, sql } from 'drizzle-orm';
import { pino } from 'pino';
import { type Embedder, loadConfig, sha256Hex, submitDocument } from '#core';
import {
  createApiKey,
  createUser,
  ensureCollection,
  openDatabase,
  rows,
  schema,
  vacuumChunkIndex,
} from '#db';
import { forEachConcurrently, UPLOADS_IN_FLIGHT } from '../../bot/cli/pool.ts';
import { textForIndexing } from '../../core/retrieval/analyzer.ts';
import { evaluateRun, parseQrels, type RunEntry, sortRun } from '../../core/retrieval/eval-metrics.ts';
import { createHybridRetriever } from '../../core/retrieval/hybrid-retriever.ts';
import { createChunkSearch } from '../../db/chunk-search.ts';
import { migrateDatabase, openPglite } from '../../db/client.ts';
import { createEngine } from '../../workers/engine.ts';
import { createInProcessQueue } from '../../workers/in-process-queue.ts';
import { BENCH_USER, copyLoadSynthetic, pgliteCopyTarget } from './copy-load.ts';
import { benchPostgres } from './postgres-bench.ts';
import { type BenchRow, percentile, printTable, progress, readJsonl, round } from './support.ts';
import { createSyntheticText } from './synthetic.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const scifact = path.resolve(root, '..', 'shared', 'eval', 'scifact');
const msmarcoKo = path.resolve(root, '..', 'shared', 'eval', 'msmarco-ko');

/** A BEIR dataset measured end to end: SciFact (English, issue 1's targets) and msmarco-ko (Korean, issue 13's). */
interface BeirBench {
  readonly label: string;
  readonly dir: string;
  /** Also measure LangChain's in-memory store over the same chunks, as the first issue compared. */
  readonly compareLangChain: boolean;
  readonly ndcgTarget: string;
}
const logger = pino({ level: 'silent' });

const { values } = parseArgs({
  options: {
    'skip-100k': { type: 'boolean', default: false },
    only: { type: 'string' },
    chunks: { type: 'string', default: '100000' },
    /** Keeps the 100k database here, and measures an existing one instead of loading it again. */
    'data-dir': { type: 'string' },
    /** --only postgres: chunks loaded into both databases, SciFact documents ingested per run. */
    'pg-chunks': { type: 'string', default: '100000' },
    'pg-parts': { type: 'string', default: 'retrieval,asks,ingest' },
    /** --only postgres: print the query plans of one question per database and scope. */
    'pg-explain': { type: 'boolean', default: false },
    docs: { type: 'string' },
    /** --only connectors: files in the folder source (and in the SharePoint fake). */
    'source-items': { type: 'string', default: '1000' },
    /** --only connectors: folder, sharepoint, or both (all). */
    'source-kind': { type: 'string', default: 'all' },
  },
});
const wants = (part: string) => values.only === undefined || values.only === part;

/** Our local embedder behind LangChain's Embeddings interface, so both stores see identical vectors. */
class PortEmbeddings extends Embeddings {
  readonly embedder: Embedder;
  constructor(embedder: Embedder) {
    super({});
    this.embedder = embedder;
  }
  embedDocuments(texts: string[]): Promise<number[][]> {
    return this.embedder.embedDocuments(texts);
  }
  embedQuery(text: string): Promise<number[]> {
    return this.embedder.embedQuery(text);
  }
}

async function benchBeir(out: BenchRow[], bench: BeirBench): Promise<void> {
  const { label, dir } = bench;
  if (!existsSync(path.join(dir, 'corpus.jsonl'))) {
    progress(`${label} not found at ${dir}: skipping its measurements`);
    return;
  }
  const corpus = readJsonl<{ _id: string; title?: string; text?: string }>(path.join(dir, 'corpus.jsonl'));
  const queries = new Map(
    readJsonl<{ _id: string; text: string }>(path.join(dir, 'queries.jsonl')).map((q) => [q._id, q.text]),
  );
  const qrels = parseQrels(readFileSync(path.join(dir, 'qrels', 'test.tsv'), 'utf8'));
  const queryIds = [...qrels.keys()].filter((id) => queries.has(id));

  // An on-disk database, as the web process has by default.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'exgpt-bench-'));
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, SEED_SAMPLE_DOCS: 'false' });
  const database = await openDatabase({ dataDir });
  const engine = await createEngine({ config, logger, database });
  const queue = createInProcessQueue({
    handlers: engine.handlers,
    logger,
    concurrency: config.WORKER_CONCURRENCY,
  });
  try {
    const db = database.db;
    const { collection } = await ensureCollection(db, { name: label, everyone: true });
    const user = await createUser(db, { email: 'bench@example.com', role: 'member' });

    progress(
      `ingesting ${corpus.length} ${label} documents through upload → queue → parse → chunk → embed → store`,
    );
    const beirIdOf = new Map<string, string>();
    const started = performance.now();
    // Uploaded as `npm run ingest` uploads a folder: several files in flight.
    await forEachConcurrently(corpus, UPLOADS_IN_FLIGHT, async (doc) => {
      const bytes = new TextEncoder().encode(doc.text ?? '');
      const outcome = await submitDocument(
        { documents: engine.documents, queue },
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
      beirIdOf.set(outcome.document.id, doc._id);
    });
    await queue.drain();
    const ingestSeconds = (performance.now() - started) / 1000;
    // What the engine does once ingestion has been quiet for a few seconds.
    await vacuumChunkIndex(database.db);
    const [counts] = await rows<{ chunks: number; failed: number }>(
      db,
      sql`select (select count(*)::int from chunks) as chunks, (select count(*)::int from documents where status = 'failed') as failed`,
    );
    out.push({
      name: `ingest ${label} (${corpus.length} docs, ${counts?.chunks} chunks)`,
      value: round(ingestSeconds),
      unit: 's',
      target: '≤ 60',
      note: `${round(corpus.length / ingestSeconds)} docs/s, ${counts?.failed ?? 0} failed`,
    });

    const scope = { userId: user.id };
    const retriever = createHybridRetriever({ search: createChunkSearch(db), embedder: engine.embedder });
    const retrieval: number[] = [];
    const run = new Map<string, RunEntry[]>();
    for (const id of queryIds) {
      const t0 = performance.now();
      const hits = await retriever.retrieve(queries.get(id)!, scope, { limit: 200 });
      retrieval.push(performance.now() - t0);
      const best = new Map<string, number>();
      for (const hit of hits) {
        const docId = beirIdOf.get(hit.documentId);
        if (docId !== undefined && !best.has(docId)) best.set(docId, hit.score);
      }
      run.set(id, sortRun([...best].map(([docId, score]) => ({ docId, score }))).slice(0, 100));
    }
    const ours = evaluateRun(run, qrels);

    const context: number[] = [];
    for (const id of queryIds) {
      const t0 = performance.now();
      await retriever.retrieve(queries.get(id)!, scope, { limit: 8, tokenBudget: config.CONTEXT_TOKENS });
      context.push(performance.now() - t0);
    }
    out.push({
      name: `${label} retrieval p50 @ ${counts?.chunks} chunks (answer context)`,
      value: round(percentile(context, 50)),
      unit: 'ms',
    });
    out.push({
      name: `${label} retrieval p95 @ ${counts?.chunks} chunks (answer context)`,
      value: round(percentile(context, 95)),
      unit: 'ms',
      target: '≤ 50',
    });

    const asks: number[] = [];
    let answered = 0;
    for (const id of queryIds) {
      const t0 = performance.now();
      const result = await engine.ask.run({
        principal: { userId: user.id, email: user.email, role: 'member' },
        question: queries.get(id)!,
        conversation: { platform: 'api', channelId: null, threadId: null },
        scope,
      });
      asks.push(performance.now() - t0);
      if (result.answered) answered += 1;
    }
    out.push({
      name: `${label} extractive ask p50 (retrieve + answer + store)`,
      value: round(percentile(asks, 50)),
      unit: 'ms',
    });
    out.push({
      name: `${label} extractive ask p95 (retrieve + answer + store)`,
      value: round(percentile(asks, 95)),
      unit: 'ms',
      target: '≤ 150',
      note: `${answered}/${asks.length} answered`,
    });

    out.push({
      name: `${label} test nDCG@10 — ex-GPT hybrid (BM25 + pgvector, RRF)`,
      value: round(ours.ndcg10, 4),
      unit: '',
      target: bench.ndcgTarget,
      note: `hit@1 ${round(ours.hit1, 4)}, recall@5 ${round(ours.recall5, 4)}, recall@100 ${round(ours.recall100, 4)}`,
    });
    out.push({
      name: `${label} retrieval p50/p95 top-200 — ex-GPT hybrid`,
      value: round(percentile(retrieval, 50)),
      unit: 'ms',
      note: `p95 ${round(percentile(retrieval, 95))} ms`,
    });
    if (!bench.compareLangChain) return;

    // LangChain.js's own in-memory vector store over the same chunks and the same embedder.
    progress('building LangChain MemoryVectorStore over the same chunks');
    const chunkRows = await rows<{
      text: string;
      title: string;
      heading_path: string[];
      document_id: string;
    }>(
      db,
      sql`select c.text, d.title, c.heading_path, c.document_id from chunks c join documents d on d.id = c.document_id`,
    );
    const buildStart = performance.now();
    const store = await MemoryVectorStore.fromTexts(
      chunkRows.map((c) => textForIndexing({ title: c.title, headingPath: c.heading_path, text: c.text })),
      chunkRows.map((c) => ({ documentId: c.document_id })),
      new PortEmbeddings(engine.embedder),
    );
    const buildSeconds = (performance.now() - buildStart) / 1000;
    const lcLatency: number[] = [];
    const lcRun = new Map<string, RunEntry[]>();
    for (const id of queryIds) {
      const t0 = performance.now();
      const hits = await store.similaritySearchWithScore(queries.get(id)!, 200);
      lcLatency.push(performance.now() - t0);
      const best = new Map<string, number>();
      for (const [doc, score] of hits) {
        const docId = beirIdOf.get(String(doc.metadata.documentId));
        if (docId !== undefined && !best.has(docId)) best.set(docId, score);
      }
      lcRun.set(id, sortRun([...best].map(([docId, score]) => ({ docId, score }))).slice(0, 100));
    }
    const lc = evaluateRun(lcRun, qrels);
    out.push({
      name: `${label} test nDCG@10 — LangChain MemoryVectorStore, same embedder`,
      value: round(lc.ndcg10, 4),
      unit: '',
      note: `recall@100 ${round(lc.recall100, 4)}`,
    });
    out.push({
      name: 'retrieval p50/p95 top-200 — LangChain MemoryVectorStore',
      value: round(percentile(lcLatency, 50)),
      unit: 'ms',
      note: `p95 ${round(percentile(lcLatency, 95))} ms; build ${round(buildSeconds)} s, in memory, no access control`,
    });
  } finally {
    await queue.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function bench100k(out: BenchRow[]): Promise<void> {
  const target = Number(values.chunks);
  const kept = values['data-dir'] !== undefined;
  const dataDir = kept
    ? path.resolve(values['data-dir']!)
    : mkdtempSync(path.join(tmpdir(), 'exgpt-bench-100k-'));
  const loadedMarker = path.join(dataDir, 'bench-loaded.json');
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, SEED_SAMPLE_DOCS: 'false' });
  const text = createSyntheticText();
  try {
    const { pglite, database } = await openPglite(dataDir);
    await migrateDatabase(database, undefined);
    const engine = await createEngine({ config, logger, database });
    const db = database.db;
    if (existsSync(loadedMarker)) {
      progress(`measuring the ${target} chunks already loaded in ${dataDir}`);
    } else {
      // Copied in (tests/bench/copy-load.ts): minutes, where the row-by-row write path took hours.
      out.push(
        ...(await copyLoadSynthetic([pgliteCopyTarget('PGlite', db, pglite)], engine.embedder, target, text)),
      );
      writeFileSync(loadedMarker, JSON.stringify({ chunks: target }));
    }
    // Latency of a server that has been answering, whose database files the OS keeps cached: read them
    // once first. (Without it, on a VM that pages out idle memory, a run after a pause measured p50 43 /
    // p95 71 ms against 28 / 37 ms for the run right after it.)
    const cachedBytes = readThrough(path.join(dataDir, 'pg'));
    progress(`read ${round(cachedBytes / 2 ** 30, 2)} GB of database files into the OS cache`);
    const [user] = await db.select().from(schema.users).where(eq(schema.users.email, BENCH_USER));
    const [narrow] = await db.select().from(schema.collections).where(eq(schema.collections.name, 'finance'));
    // For the web process: the key the CLI would use.
    const { key } = await createApiKey(db, { userId: user!.id, name: 'bench', scopes: ['ask'] });

    const retriever = createHybridRetriever({ search: createChunkSearch(db), embedder: engine.embedder });
    const scopes = [
      { label: 'all readable', scope: { userId: user!.id } },
      {
        label: 'channel bound to a 10% collection',
        scope: { userId: user!.id, collectionIds: [narrow!.id] },
      },
    ];
    for (const { label, scope } of scopes) {
      // Warm-up per scope: a narrow collection's postings and vectors are other pages than everyone's.
      for (let i = 0; i < 20; i++) await retriever.retrieve(text.query(), scope, { limit: 8 });
      const latencies: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t0 = performance.now();
        await retriever.retrieve(text.query(), scope, { limit: 8, tokenBudget: config.CONTEXT_TOKENS });
        latencies.push(performance.now() - t0);
      }
      out.push({
        name: `retrieval p95 @ ${target} chunks, ${label}`,
        value: round(percentile(latencies, 95)),
        unit: 'ms',
        target: '≤ 50',
        note: `p50 ${round(percentile(latencies, 50))} ms, 300 queries`,
      });
    }
    await database.close();

    // The real web process on that data directory, asked over REST; its resident memory is read from /proc.
    const rss = await measureWebProcess(dataDir, key, () => text.query());
    out.push({
      name: `web process RSS with ${target} chunks (after 200 REST asks)`,
      value: rss.currentMb,
      unit: 'MB',
      target: '≤ 1024',
      note: `peak ${rss.peakMb} MB; ask p95 over REST ${rss.askP95} ms`,
    });
  } finally {
    if (!kept) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Reads every file below `dir` (into the OS page cache); returns the bytes read. */
function readThrough(dir: string): number {
  const buffer = Buffer.allocUnsafe(1 << 20);
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const fd = openSync(path.join(entry.parentPath, entry.name), 'r');
    try {
      for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) total += n;
    } finally {
      closeSync(fd);
    }
  }
  return total;
}

async function measureWebProcess(dataDir: string, key: string, nextQuestion: () => string) {
  const child = spawn(process.execPath, [path.join(root, 'bot', 'main.ts')], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', SEED_SAMPLE_DOCS: 'false' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (data: Buffer) => {
        buffer += data.toString();
        const match = /ready on (http:\/\/\S+)/.exec(buffer);
        if (match) resolve(match[1]!);
      });
      child.on('exit', (code) => reject(new Error(`web process exited with ${code}`)));
    });
    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      const response = await fetch(`${url}/api/v1/ask`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ question: nextQuestion() }),
      });
      await response.arrayBuffer();
      latencies.push(performance.now() - t0);
    }
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
    return {
      currentMb: round(kb('VmRSS') / 1024, 0),
      peakMb: round(kb('VmHWM') / 1024, 0),
      askP95: round(percentile(latencies, 95)),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** Benchmarks that other parts contribute (queue, Slack, Teams), each a module exporting `run()`. */
async function benchModules(out: BenchRow[]): Promise<void> {
  for (const name of ['queue-bench.ts', 'slack-bench.ts', 'teams-bench.ts']) {
    const file = path.join(root, 'tests', 'bench', name);
    if (!existsSync(file)) continue;
    const module = (await import(file)) as { run?: () => Promise<BenchRow[]> };
    if (typeof module.run !== 'function') continue;
    progress(`running ${name}`);
    try {
      out.push(...(await module.run()));
    } catch (error) {
      out.push({
        name: `${name} failed`,
        value: Number.NaN,
        unit: '',
        note: (error as Error).message.slice(0, 120),
      });
    }
  }
}

const results: BenchRow[] = [];
try {
  if (wants('scifact')) {
    await benchBeir(results, {
      label: 'SciFact',
      dir: scifact,
      compareLangChain: true,
      ndcgTarget: '≥ 0.70',
    });
  }
  if (wants('korean')) {
    await benchBeir(results, {
      label: 'msmarco-ko',
      dir: msmarcoKo,
      compareLangChain: false,
      ndcgTarget: '≥ 0.86, hit@1 ≥ 0.80',
    });
  }
  if (wants('100k') && !values['skip-100k']) await bench100k(results);
  if (wants('modules')) await benchModules(results);
  if (wants('formats')) results.push(...(await (await import('./formats-bench.ts')).run()));
  if (wants('ingest-load')) {
    // Ask p50/p95 over REST while a 50 MB text and a 5 MB CSV ingest (issue 12), with each file's time,
    // the peak RSS and the database's growth per MB of text.
    const { run } = await import('./ingest-load-bench.ts');
    results.push(...(await run()));
  }
  if (values.only === 'redis-embedded') {
    // Issue 12 finding 2: REDIS_URL without DATABASE_URL, one worker process, uploads while asks run. Only
    // when asked for: at 50 × 1 MB it takes many minutes.
    const { run } = await import('./redis-embedded-bench.ts');
    results.push(...(await run(values.docs ? { docs: Number(values.docs) } : {})));
  }
  if (wants('connectors')) {
    const { run, runSharepoint } = await import('./connector-bench.ts');
    const kind = values['source-kind'];
    if (kind === 'all' || kind === 'folder') results.push(...(await run(Number(values['source-items']))));
    if (kind === 'all' || kind === 'sharepoint') {
      results.push(...(await runSharepoint(Number(values['source-items']))));
    }
  }
  if (wants('postgres')) {
    await benchPostgres(results, {
      chunks: Number(values['pg-chunks']),
      parts: values['pg-parts'].split(','),
      explain: values['pg-explain'],
      ...(values.docs ? { docs: Number(values.docs) } : {}),
    });
  }
} finally {
  // What was measured before a failure is still worth seeing.
  printTable(results);
}
process.exit(0);
