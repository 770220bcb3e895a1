/**
 * Retrieval quality on a BEIR dataset, through the product's own path: every corpus document is uploaded
 * and ingested (parse → chunk → embed → store) into a throwaway in-memory database, every query is
 * answered by the hybrid retriever, and a document scores its best chunk's score. Prints nDCG@10 and
 * recall@100 (BEIR's figures) and hit@1 and recall@5 (msmarco-ko's published ones).
 *
 *   npm run eval -- --dataset ../shared/eval/scifact [--split test|train] [--json] [--run FILE]
 *                   [--k1 N] [--b N] [--rrf-k N] [--lexical-weight N] [--vector-weight N]
 *                   [--feedback-weight N] [--bigram-weight N] [--joined-weight N] [--ef-search N] [--shortlist N]
 *                   [--dimensions N]
 *
 * Progress goes to stderr; stdout gets a small table, or exactly one JSON object with --json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { loadConfig } from '#core';
import { createUser, ensureCollection, openDatabase, rows } from '#db';
import { createAnalyzer } from '../../core/retrieval/analyzer.ts';
import { evaluateRun, parseQrels, type RunEntry, sortRun } from '../../core/retrieval/eval-metrics.ts';
import { createHybridRetriever, DEFAULT_HYBRID_OPTIONS } from '../../core/retrieval/hybrid-retriever.ts';
import { vacuumChunkIndex } from '../../db/chunk-index.ts';
import { createChunkSearch, DEFAULT_CHUNK_SEARCH_OPTIONS } from '../../db/chunk-search.ts';
import { createEngine } from '../../workers/engine.ts';
import { type BeirDoc, ingestCorpus, percentile, progress, readJsonl } from './eval-support.ts';

const USAGE = `usage: npm run eval -- --dataset <BEIR folder> [--split test|train] [--json] [--run FILE]
  tuning: --k1 --b --rrf-k --lexical-weight --vector-weight --feedback-weight --bigram-weight
          --joined-weight --ef-search --shortlist --dimensions --top --max-queries`;

const { values } = parseArgs({
  options: {
    dataset: { type: 'string' },
    split: { type: 'string', default: 'test' },
    json: { type: 'boolean', default: false },
    run: { type: 'string' },
    k1: { type: 'string' },
    b: { type: 'string' },
    'rrf-k': { type: 'string' },
    'lexical-weight': { type: 'string' },
    'vector-weight': { type: 'string' },
    'feedback-weight': { type: 'string' },
    'bigram-weight': { type: 'string' },
    'joined-weight': { type: 'string' },
    'ef-search': { type: 'string' },
    shortlist: { type: 'string' },
    dimensions: { type: 'string' },
    top: { type: 'string', default: '100' },
    'max-queries': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function numberFlag(name: keyof typeof values): number | undefined {
  const raw = values[name];
  if (raw === undefined || typeof raw !== 'string') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) fail(`--${name} must be a number, got ${raw}`);
  return value;
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.dataset) fail('--dataset is required');
  const dataset = path.resolve(values.dataset);
  const split = values.split ?? 'test';
  const top = numberFlag('top') ?? 100;

  const qrels = parseQrels(readFileSync(path.join(dataset, 'qrels', `${split}.tsv`), 'utf8'));
  const queryText = new Map(
    readJsonl<{ _id: string; text: string }>(path.join(dataset, 'queries.jsonl')).map((q) => [q._id, q.text]),
  );
  let queryIds = [...qrels.keys()].filter((id) => queryText.has(id));
  const maxQueries = numberFlag('max-queries');
  if (maxQueries !== undefined) queryIds = queryIds.slice(0, maxQueries);
  const corpus = readJsonl<BeirDoc>(path.join(dataset, 'corpus.jsonl'));

  // Always a throwaway in-memory database with the product's defaults; nothing from the environment.
  const dimensions = numberFlag('dimensions');
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    SEED_SAMPLE_DOCS: 'false',
    ...(dimensions !== undefined ? { EMBEDDING_DIMENSIONS: String(dimensions) } : {}),
  });
  const database = await openDatabase();
  const logger = pino({ level: 'silent' });
  const engine = await createEngine({ config, logger, database });
  try {
    const db = database.db;
    const { collection } = await ensureCollection(db, { name: 'eval', everyone: true });
    const user = await createUser(db, { email: 'eval@example.com', role: 'member' });

    // Ingest through the product path: upload (row + bytes), then the ingestion job's own code.
    const ingested = await ingestCorpus(engine, collection.id, corpus, config.WORKER_CONCURRENCY);
    const beirIdOf = ingested.corpusIdOf;
    const failed = ingested.failed;
    const ingestSeconds = ingested.seconds;
    // Embedded PGlite has no autovacuum; without it BM25's index-only scans read the table (slower only).
    await vacuumChunkIndex(db);
    const [counted] = await rows<{ n: number }>(db, sql`select count(*)::int as n from chunks`);
    const chunks = Number(counted?.n ?? 0);

    const searchOptions = {
      ...DEFAULT_CHUNK_SEARCH_OPTIONS,
      ...(numberFlag('k1') !== undefined ? { k1: numberFlag('k1')! } : {}),
      ...(numberFlag('b') !== undefined ? { b: numberFlag('b')! } : {}),
      ...(numberFlag('ef-search') !== undefined ? { efSearch: numberFlag('ef-search')! } : {}),
      ...(numberFlag('shortlist') !== undefined ? { shortlist: numberFlag('shortlist')! } : {}),
    };
    const analyzer = createAnalyzer({
      ...(numberFlag('bigram-weight') !== undefined ? { bigramWeight: numberFlag('bigram-weight')! } : {}),
      ...(numberFlag('joined-weight') !== undefined ? { joinedWeight: numberFlag('joined-weight')! } : {}),
    });
    const retrieverOptions = {
      rrfK: numberFlag('rrf-k') ?? DEFAULT_HYBRID_OPTIONS.rrfK,
      weights: {
        lexical: numberFlag('lexical-weight') ?? DEFAULT_HYBRID_OPTIONS.weights.lexical,
        vector: numberFlag('vector-weight') ?? DEFAULT_HYBRID_OPTIONS.weights.vector,
      },
      feedbackWeight: numberFlag('feedback-weight') ?? DEFAULT_HYBRID_OPTIONS.feedbackWeight,
    };
    const retriever = createHybridRetriever({
      search: createChunkSearch(db, searchOptions),
      embedder: engine.embedder,
      ...retrieverOptions,
      analyze: (question) => analyzer.analyzeQuery(question),
    });

    const run = new Map<string, RunEntry[]>();
    const latencies: number[] = [];
    const scope = { userId: user.id };
    for (const [i, queryId] of queryIds.entries()) {
      const t0 = performance.now();
      // Several chunks of one document may rank; fetch enough chunks to fill `top` documents.
      const hits = await retriever.retrieve(queryText.get(queryId)!, scope, { limit: top * 2 });
      latencies.push(performance.now() - t0);
      const best = new Map<string, number>();
      for (const hit of hits) {
        const docId = beirIdOf.get(hit.documentId);
        if (docId !== undefined && !best.has(docId)) best.set(docId, hit.score);
      }
      run.set(queryId, sortRun([...best].map(([docId, score]) => ({ docId, score }))).slice(0, top));
      if ((i + 1) % 100 === 0 || i + 1 === queryIds.length) progress(`queried ${i + 1}/${queryIds.length}`);
    }

    const summary = evaluateRun(run, new Map([...qrels].filter(([id]) => queryIds.includes(id))));
    latencies.sort((a, b) => a - b);
    const result = {
      'ndcg@10': Number(summary.ndcg10.toFixed(4)),
      'recall@100': Number(summary.recall100.toFixed(4)),
      'hit@1': Number(summary.hit1.toFixed(4)),
      'recall@5': Number(summary.recall5.toFixed(4)),
      dataset: path.basename(dataset),
      split,
      queries: summary.queries,
      documents: corpus.length,
      failedDocuments: failed,
      chunks,
      embeddingModel: engine.embedder.model,
      ingestSeconds: Number(ingestSeconds.toFixed(1)),
      retrievalMs: {
        p50: Number(percentile(latencies, 0.5).toFixed(1)),
        p95: Number(percentile(latencies, 0.95).toFixed(1)),
      },
      params: { ...searchOptions, ...retrieverOptions },
    };

    if (values.run) {
      const tag = `ex-gpt-${engine.embedder.model}`;
      const lines: string[] = [];
      for (const [queryId, entries] of run) {
        sortRun(entries).forEach((entry, rank) => {
          lines.push(`${queryId} Q0 ${entry.docId} ${rank + 1} ${entry.score.toFixed(8)} ${tag}`);
        });
      }
      writeFileSync(values.run, `${lines.join('\n')}\n`);
      progress(`run written to ${values.run}`);
    }

    if (values.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      const rowsOut: [string, string][] = [
        ['dataset', `${result.dataset} (${split}, ${result.queries} queries)`],
        ['nDCG@10', result['ndcg@10'].toFixed(4)],
        ['recall@100', result['recall@100'].toFixed(4)],
        ['hit@1', result['hit@1'].toFixed(4)],
        ['recall@5', result['recall@5'].toFixed(4)],
        [
          'documents / chunks',
          `${result.documents} / ${result.chunks}${failed ? ` (${failed} failed)` : ''}`,
        ],
        ['embedding model', result.embeddingModel],
        ['ingest', `${result.ingestSeconds} s`],
        ['retrieval p50 / p95', `${result.retrievalMs.p50} / ${result.retrievalMs.p95} ms`],
      ];
      const width = Math.max(...rowsOut.map(([label]) => label.length));
      process.stdout.write(
        `${rowsOut.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n`,
      );
    }
  } finally {
    await engine.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
