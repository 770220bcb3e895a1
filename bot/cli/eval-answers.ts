/**
 * Answer quality on a question-answering set laid out like `shared/eval/qa-en` / `qa-ko` (corpus.jsonl,
 * queries.jsonl, answers.jsonl `{_id, answers, answerable}`, qrels/test.tsv), through the product's own path:
 * every paragraph is ingested into one collection of a throwaway in-memory database, every question is asked
 * through `POST /api/v1/ask` restricted to that collection, and the reply is scored strictly: an answer counts
 * only if it contains a reference answer after NFKC, lower-casing and whitespace folding (spaces dropped for
 * Korean).
 *
 *   npm run eval:answers -- --dataset ../shared/eval/qa-en [--json] [--max-queries N] [--samples N]
 *
 * Progress goes to stderr; stdout gets a small table and a sample of failures, or one JSON object with --json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '#core';
import { createApiKey, createUser, ensureCollection, openDatabase } from '#db';
import { parseQrels } from '../../core/retrieval/eval-metrics.ts';
import { createEngine } from '../../workers/engine.ts';
import { createInProcessQueue } from '../../workers/in-process-queue.ts';
import { buildApp } from '../app.ts';
import { type AskedQuestion, scoreAnswers } from './eval-answers-score.ts';
import { type BeirDoc, ingestCorpus, progress, readJsonl } from './eval-support.ts';

const USAGE = 'usage: npm run eval:answers -- --dataset <folder> [--json] [--max-queries N] [--samples N]';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string' },
    json: { type: 'boolean', default: false },
    'max-queries': { type: 'string' },
    samples: { type: 'string', default: '8' },
    help: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function positiveInteger(name: 'max-queries' | 'samples'): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) fail(`--${name} must be a whole number, got ${raw}`);
  return value;
}

interface AnswerKey {
  readonly _id: string;
  readonly answers: readonly string[];
  readonly answerable: boolean;
}

interface AskReply {
  readonly answer: string;
  readonly answered: boolean;
  readonly sources: readonly { readonly documentId: string }[];
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.dataset) fail('--dataset is required');
  const dataset = path.resolve(values.dataset);
  const corpus = readJsonl<BeirDoc>(path.join(dataset, 'corpus.jsonl'));
  const keys = new Map(readJsonl<AnswerKey>(path.join(dataset, 'answers.jsonl')).map((a) => [a._id, a]));
  const qrels = parseQrels(readFileSync(path.join(dataset, 'qrels', 'test.tsv'), 'utf8'));
  let queries = readJsonl<{ _id: string; text: string }>(path.join(dataset, 'queries.jsonl')).filter((q) =>
    keys.has(q._id),
  );
  const maxQueries = positiveInteger('max-queries');
  if (maxQueries !== undefined) queries = queries.slice(0, maxQueries);

  // A throwaway in-memory database with the product's defaults (the extractive answerer); nothing from the
  // environment, so a model server configured for the shell does not change what is measured.
  const config = loadConfig({ LOG_LEVEL: 'silent', SEED_SAMPLE_DOCS: 'false' });
  const logger = pino({ level: 'silent' });
  const database = await openDatabase();
  const engine = await createEngine({ config, logger, database });
  const queue = createInProcessQueue({ handlers: engine.handlers, logger, concurrency: 1 });
  const app = await buildApp({
    config,
    logger,
    database,
    ask: engine.ask,
    documents: engine.documents,
    queue,
  });
  try {
    const db = database.db;
    const { collection } = await ensureCollection(db, { name: 'eval', everyone: true });
    const user = await createUser(db, { email: 'eval@example.com', role: 'member' });
    const { key } = await createApiKey(db, { userId: user.id, name: 'eval', scopes: ['ask'] });
    const ingested = await ingestCorpus(engine, collection.id, corpus, config.WORKER_CONCURRENCY);

    const asked: AskedQuestion[] = [];
    for (const [i, query] of queries.entries()) {
      const t0 = performance.now();
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/ask',
        headers: { authorization: `Bearer ${key}` },
        payload: { question: query.text, collections: [collection.name] },
      });
      const latencyMs = performance.now() - t0;
      if (response.statusCode !== 200) {
        throw new Error(`ask ${query._id} failed with ${response.statusCode}: ${response.body}`);
      }
      const reply = response.json<AskReply>();
      const key_ = keys.get(query._id)!;
      asked.push({
        id: query._id,
        question: query.text,
        answerable: key_.answerable,
        references: key_.answers,
        paragraphs: [...(qrels.get(query._id)?.keys() ?? [])],
        answer: reply.answer,
        answered: reply.answered,
        cited: reply.sources.map((s) => ingested.corpusIdOf.get(s.documentId) ?? s.documentId),
        latencyMs,
      });
      if ((i + 1) % 100 === 0 || i + 1 === queries.length) progress(`asked ${i + 1}/${queries.length}`);
    }

    const report = scoreAnswers(asked, { samples: positiveInteger('samples') ?? 8 });
    const result = {
      dataset: path.basename(dataset),
      documents: corpus.length,
      failedDocuments: ingested.failed,
      ...report,
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const rowsOut: [string, string][] = [
      ['dataset', `${result.dataset} (${report.answerable} answerable, ${report.unanswerable} not)`],
      ['answer_hit', report.answer_hit.toFixed(3)],
      ['missed', report.missed.toFixed(3)],
      ['false_answer', report.false_answer.toFixed(3)],
      ['accuracy', report.accuracy.toFixed(3)],
      ['median answer', `${report.median_answer_chars} chars`],
      ['citation precision', report.citation_precision.toFixed(3)],
      ['ask p50 / p95', `${report.latency_ms.p50} / ${report.latency_ms.p95} ms`],
    ];
    const width = Math.max(...rowsOut.map(([label]) => label.length));
    process.stdout.write(
      `${rowsOut.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n`,
    );
    for (const [kind, samples] of Object.entries(report.failures)) {
      process.stdout.write(`\n${kind}:\n`);
      for (const sample of samples) {
        process.stdout.write(
          `- ${sample.question}\n  expected: ${sample.expected}\n  got: ${sample.answer.replace(/\s+/g, ' ')}\n`,
        );
      }
    }
  } finally {
    await app.close();
    await queue.close();
    await engine.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
