/**
 * Trains the extractive answerer's answer/decline model (core/answer/answer-decision.ts) and writes its
 * weights to core/answer/answer-decision-weights.json.
 *
 *   npm run train:answer-decision [-- --dry-run] [--features FILE]
 *
 * --features writes every generated question with its features and label as JSON lines, to see what the
 * model learns from.
 *
 * The data is our own: the Korean and English paragraphs in core/answer/decision-data/, from which questions
 * are generated (seeded, so the same every run), as a person would ask about a sentence — some of its words
 * dropped, the asked-for part replaced by a question word — with two kinds of unanswerable variants that reuse
 * the paragraph's words: one content word swapped for a word of another topic, and questions about a paragraph
 * held out of the searched collection. Each question is asked through the product's retrieval and the
 * extractive answerer's feature extraction; a question counts as "answer" only if it is answerable and the
 * passage chosen contains what was asked for, so the model also learns to decline where it would quote the
 * wrong passage. Never add the evaluation sets (shared/eval) here: they hold the test questions.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '#core';
import { createUser, ensureCollection, openDatabase } from '#db';
import { DECISION_FEATURES, type DecisionModel, featureVector } from '../../core/answer/answer-decision.ts';
import { extractAnswer } from '../../core/answer/extractive-answerer.ts';
import { createEngine } from '../../workers/engine.ts';
import { ingestCorpus, progress, readJsonl } from './eval-support.ts';
import { generateQuestions, type Paragraph, type TrainingQuestion } from './train-answer-questions.ts';
import { fitLogistic } from './train-logistic.ts';

const DATA = path.resolve(import.meta.dirname, '../../core/answer/decision-data');
const WEIGHTS = path.resolve(import.meta.dirname, '../../core/answer/answer-decision-weights.json');

/**
 * Each language's answer line. Korean questions score lower on this model than the generated ones it learns
 * from (real askers reword more), so at 0.5 it declined answerable Korean questions it had the right sentence
 * for: 0.42 was chosen on the tuning slice of qa-ko (ids not divisible by 4), where it answers 79% of the
 * answerable questions with the reference instead of 67%, false answers 10%, citations still 0.956 precise. English stays at 0.5 (no line did better on qa-en's tuning slice).
 */
const THRESHOLDS = { en: 0.5, ko: 0.42 } as const;

const { values } = parseArgs({
  options: {
    'dry-run': { type: 'boolean', default: false },
    features: { type: 'string' },
  },
});

async function main(): Promise<void> {
  const paragraphs: Paragraph[] = ['en', 'ko'].flatMap((language) =>
    readJsonl<Omit<Paragraph, 'id' | 'language'>>(path.join(DATA, `paragraphs.${language}.jsonl`)).map(
      (p, i) => ({ ...p, id: `${language}-${i}`, language: language as Paragraph['language'] }),
    ),
  );
  // Per topic, the last paragraph is held out of the "partial" collection: questions about it are unanswerable there.
  const heldOut = new Set<string>();
  const lastOfTopic = new Map<string, string>();
  for (const p of paragraphs) lastOfTopic.set(`${p.language}:${p.topic}`, p.id);
  for (const id of lastOfTopic.values()) heldOut.add(id);

  const config = loadConfig({ LOG_LEVEL: 'silent', SEED_SAMPLE_DOCS: 'false' });
  const logger = pino({ level: 'silent' });
  const database = await openDatabase();
  const engine = await createEngine({ config, logger, database });
  try {
    const db = database.db;
    const user = await createUser(db, { email: 'train@example.com', role: 'member' });
    const full = (await ensureCollection(db, { name: 'full', everyone: true })).collection;
    const partial = (await ensureCollection(db, { name: 'partial', everyone: true })).collection;
    const toDoc = (p: Paragraph) => ({ _id: p.id, title: p.title, text: p.text });
    await ingestCorpus(engine, full.id, paragraphs.map(toDoc), 2);
    await ingestCorpus(
      engine,
      partial.id,
      paragraphs.filter((p) => !heldOut.has(p.id)).map((p) => ({ ...toDoc(p), _id: `partial-${p.id}` })),
      2,
    );

    const questions: TrainingQuestion[] = generateQuestions(paragraphs, heldOut);
    const rows: number[][] = [];
    const labels: number[] = [];
    const counts = { answer: 0, decline: 0 };
    const dump: string[] = [];
    for (const q of questions) {
      const collectionIds = [q.collection === 'full' ? full.id : partial.id];
      const context = await engine.retriever.retrieve(
        q.question,
        { userId: user.id, collectionIds },
        { limit: 8, tokenBudget: config.CONTEXT_TOKENS },
      );
      const found = extractAnswer(q.question, context);
      if (found === undefined) continue;
      const right = q.answer !== undefined && normalise(found.text).includes(normalise(q.answer)) ? 1 : 0;
      rows.push(featureVector(found.features));
      labels.push(right);
      dump.push(
        JSON.stringify({
          question: q.question,
          answer: q.answer,
          span: found.text,
          label: right,
          features: found.features,
        }),
      );
      counts[right ? 'answer' : 'decline']++;
    }
    if (values.features !== undefined) writeFileSync(values.features, `${dump.join('\n')}\n`);
    progress(`${questions.length} questions: ${counts.answer} to answer, ${counts.decline} to decline`);

    const fitted = fitLogistic(rows, labels, { l2: 0.01, epochs: 4000, learningRate: 0.5 });
    const model: DecisionModel = {
      bias: round(fitted.bias),
      weights: Object.fromEntries(
        DECISION_FEATURES.map((name, i) => [name, round(fitted.weights[i] ?? 0)]),
      ) as DecisionModel['weights'],
      threshold: 0.5,
      thresholds: THRESHOLDS,
    };
    const korean = DECISION_FEATURES.indexOf('korean');
    const predicted = rows.map((row) =>
      fitted.predict(row) >= (model.thresholds?.[row[korean] === 1 ? 'ko' : 'en'] ?? model.threshold) ? 1 : 0,
    );
    const accuracy = predicted.filter((p, i) => p === labels[i]).length / Math.max(1, rows.length);
    progress(`training accuracy ${accuracy.toFixed(3)}`);
    progress(JSON.stringify(model));
    if (!values['dry-run']) {
      writeFileSync(WEIGHTS, `${JSON.stringify(model, null, 2)}\n`);
      progress(`weights written to ${path.relative(process.cwd(), WEIGHTS)}`);
    }
  } finally {
    await engine.close();
  }
}

function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

function round(value: number): number {
  return Number(value.toFixed(4));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
