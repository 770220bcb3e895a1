/**
 * Slack speed (issue 4), reported and never asserted: with an instant fake model, how fast a Slack event
 * is acknowledged, and how soon the first streamed text reaches Slack, at 20 concurrent events. A real
 * listening web process (buildApp + listen on loopback) takes signed requests; the fake Slack Web API on
 * loopback records when chat.startStream arrives. Retrieval and storage are real (PGlite, hybrid search).
 *
 *   node tests/bench/slack-bench.ts [--rounds 10] [--concurrency 20]
 * The load generator and the fake Slack run in a worker thread (slack-bench-load.ts), on their own clock.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { type AnswerEvent, type Answerer, createAsk } from '#core';
import { bindChannel, createChunkSearch, createConversationStore } from '#db';
import { buildApp } from '../../bot/app.ts';
import { createHeuristicCondenser } from '../../core/answer/index.ts';
import { createHybridRetriever } from '../../core/retrieval/hybrid-retriever.ts';
import { buildCollection, createTestEngine, ingestText, silentLogger } from '../support/engine.ts';
import { fixture } from '../support/slack.ts';
import type { LoadMessage, LoadSetup } from './slack-bench-load.ts';
import { type BenchRow, percentile, progress, round } from './support.ts';

const SECRET = 'bench-signing-secret';
const TOKEN = 'xoxb-bench';

/** A model that answers at once: the measurement is ex-GPT's own overhead, not a model's. */
const instantAnswerer: Answerer = {
  model: 'instant-fake',
  async *answer(input): AsyncIterable<AnswerEvent> {
    yield { type: 'delta', text: 'Employees get 25 vacation days a year [1].' };
    yield {
      type: 'done',
      text: 'Employees get 25 vacation days a year [1].',
      cited: input.context.length > 0 ? [1] : [],
      answered: input.context.length > 0,
      model: 'instant-fake',
      usage: { promptTokens: 0, completionTokens: 0 },
    };
  },
};

export async function benchSlack(
  options: { rounds?: number; concurrency?: number } = {},
): Promise<BenchRow[]> {
  const rounds = options.rounds ?? 10;
  const concurrency = options.concurrency ?? 20;
  const people = Array.from({ length: concurrency }, (_, i) => ({
    id: `WB${i}`,
    email: `bench${i}@example.com`,
  }));
  const load = new Worker(new URL('./slack-bench-load.ts', import.meta.url), {
    workerData: {
      secret: SECRET,
      token: TOKEN,
      people,
      template: fixture('event_app_mention.json'),
    } satisfies LoadSetup,
  });
  const inbox: LoadMessage[] = [];
  const waiting: ((m: LoadMessage) => void)[] = [];
  load.on('message', (m: LoadMessage) => {
    const next = waiting.shift();
    if (next) next(m);
    else inbox.push(m);
  });
  const receive = async (): Promise<LoadMessage> => {
    const m = inbox.shift() ?? (await new Promise<LoadMessage>((resolve) => waiting.push(resolve)));
    if (m.type === 'failed') throw new Error(`slack bench load: ${m.message}`);
    return m;
  };
  const ready = await receive();
  if (ready.type !== 'ready') throw new Error('slack bench load did not start');

  const t = await createTestEngine({
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_API_URL: ready.slackUrl,
    CHAT_RATE_LIMIT_PER_MINUTE: '10000',
  });
  const db = t.database.db;
  const collection = await buildCollection(t, { name: 'handbook', everyone: true });
  for (let i = 0; i < 20; i++) {
    await ingestText(t, {
      collectionId: collection.id,
      filename: `policy-${i}.md`,
      text: `# Policy ${i}\n\nEvery employee gets 25 vacation days a year. Rule ${i} applies to travel and expenses.\n`,
    });
  }
  await bindChannel(db, {
    platform: 'slack',
    workspaceId: 'T111',
    channelId: 'C111',
    collectionIds: [collection.id],
  });
  const ask = createAsk({
    retriever: createHybridRetriever({ search: createChunkSearch(db), embedder: t.engine.embedder }),
    answerer: instantAnswerer,
    condenser: createHeuristicCondenser(),
    conversations: createConversationStore(db),
    logger: silentLogger,
    contextTokens: t.config.CONTEXT_TOKENS,
  });
  const app = await buildApp({
    config: t.config,
    logger: silentLogger,
    database: t.database,
    ask,
    documents: t.engine.documents,
    queue: t.queue,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  load.postMessage({
    type: 'start',
    eventsUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/slack/events`,
  });

  try {
    // Warm-up: every person once (their first question maps them to a user), then steady state.
    progress(`slack: ${rounds} rounds of ${concurrency} concurrent events (after a warm-up round)`);
    load.postMessage({ type: 'round' });
    await receive();
    const acks: number[] = [];
    const firsts: number[] = [];
    for (let i = 0; i < rounds; i++) {
      load.postMessage({ type: 'round' });
      const result = await receive();
      if (result.type !== 'round') throw new Error('unexpected message from the slack bench load');
      acks.push(...result.acks);
      firsts.push(...result.firstTexts);
    }
    const note = `${rounds}×${concurrency} concurrent events, instant model, PGlite, loopback`;
    return [
      { name: 'slack: event ack p50', value: round(percentile(acks, 50)), unit: 'ms', note },
      {
        name: `slack: event ack p95 (${concurrency} concurrent)`,
        value: round(percentile(acks, 95)),
        unit: 'ms',
        target: '≤ 50',
        note,
      },
      {
        name: 'slack: event → first streamed text p50',
        value: round(percentile(firsts, 50)),
        unit: 'ms',
        note,
      },
      {
        name: `slack: event → first streamed text p95 (${concurrency} concurrent)`,
        value: round(percentile(firsts, 95)),
        unit: 'ms',
        target: '≤ 300',
        note,
      },
    ];
  } finally {
    load.postMessage({ type: 'close' });
    await new Promise((resolve) => load.once('exit', resolve));
    await app.close();
    await t.close();
  }
}

/** The entry `npm run bench` calls, like the queue and Teams benchmarks. */
export const run = benchSlack;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, concurrency: { type: 'string' } } });
  const rows = await benchSlack({
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
  });
  const { printTable } = await import('./support.ts');
  printTable(rows);
}
