/**
 * Teams speed (issue 5), reported and never asserted: with an instant fake model, how fast an activity
 * gets its 200, and how soon the first streamed update (the informative `typing` that opens the stream)
 * reaches the connector, at 20 concurrent personal chats. A real listening web process (buildApp + listen
 * on loopback) takes activities with real Bot Framework JWTs (checked against a local issuer); the fake
 * connector records the bot's replies. Retrieval and storage are real (PGlite, hybrid search).
 *
 *   node tests/bench/teams-bench.ts [--rounds 8] [--concurrency 20]
 * The load generator and the fake Bot Framework run in a worker thread (teams-bench-load.ts), on their own clock.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { type AnswerEvent, type Answerer, createAsk } from '#core';
import { createChunkSearch, createConversationStore } from '#db';
import { buildApp } from '../../bot/app.ts';
import { createHeuristicCondenser } from '../../core/answer/index.ts';
import { createHybridRetriever } from '../../core/retrieval/hybrid-retriever.ts';
import { buildCollection, createTestEngine, ingestText, silentLogger } from '../support/engine.ts';
import { fakeCredentials, personalMessage } from '../support/teams.ts';
import { type BenchRow, percentile, progress, round } from './support.ts';
import type { TeamsLoadMessage, TeamsLoadSetup } from './teams-bench-load.ts';

const APP_ID = '0b6fe6d1-fece-44f7-9a48-56465e2d5ab8';
const OUTBOUND_TOKEN = 'bench-outbound-token';

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

export async function run(options: { rounds?: number; concurrency?: number } = {}): Promise<BenchRow[]> {
  const rounds = options.rounds ?? 8;
  const concurrency = options.concurrency ?? 20;
  const people = Array.from({ length: concurrency }, (_, i) => ({
    id: `29:bench-${i}`,
    aadObjectId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: `Bench ${i}`,
    email: `teams-bench${i}@example.com`,
  }));
  const load = new Worker(new URL('./teams-bench-load.ts', import.meta.url), {
    workerData: {
      appId: APP_ID,
      outboundToken: OUTBOUND_TOKEN,
      people,
      template: personalMessage('x'),
    } satisfies TeamsLoadSetup,
  });
  const inbox: TeamsLoadMessage[] = [];
  const waiting: ((m: TeamsLoadMessage) => void)[] = [];
  load.on('message', (m: TeamsLoadMessage) => {
    const next = waiting.shift();
    if (next) next(m);
    else inbox.push(m);
  });
  const receive = async (): Promise<TeamsLoadMessage> => {
    const m = inbox.shift() ?? (await new Promise<TeamsLoadMessage>((resolve) => waiting.push(resolve)));
    if (m.type === 'failed') throw new Error(`teams bench load: ${m.message}`);
    return m;
  };
  const ready = await receive();
  if (ready.type !== 'ready') throw new Error('teams bench load did not start');

  const t = await createTestEngine({
    MICROSOFT_APP_ID: APP_ID,
    MICROSOFT_OPENID_METADATA_URL: ready.openIdMetadataUrl,
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
    teamsCredentials: fakeCredentials(APP_ID, OUTBOUND_TOKEN),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  load.postMessage({
    type: 'start',
    messagesUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/messages`,
  });

  try {
    // Warm-up: every person once (their first question maps them to a user), then steady state.
    progress(`teams: ${rounds} rounds of ${concurrency} concurrent personal chats (after a warm-up round)`);
    load.postMessage({ type: 'round' });
    await receive();
    const acks: number[] = [];
    const firsts: number[] = [];
    for (let i = 0; i < rounds; i++) {
      load.postMessage({ type: 'round' });
      const result = await receive();
      if (result.type !== 'round') throw new Error('unexpected message from the teams bench load');
      acks.push(...result.acks);
      firsts.push(...result.firstUpdates);
    }
    const note = `${rounds}×${concurrency} concurrent chats, JWT checked, instant model, PGlite, loopback`;
    return [
      { name: 'teams: activity → 200 p50', value: round(percentile(acks, 50)), unit: 'ms', note },
      {
        name: `teams: activity → 200 p95 (${concurrency} concurrent)`,
        value: round(percentile(acks, 95)),
        unit: 'ms',
        target: '≤ 50',
        note,
      },
      {
        name: 'teams: activity → first streamed update p50',
        value: round(percentile(firsts, 50)),
        unit: 'ms',
        note,
      },
      {
        name: `teams: activity → first streamed update p95 (${concurrency} concurrent)`,
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rounds: { type: 'string' }, concurrency: { type: 'string' } } });
  const rows = await run({
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
  });
  const { printTable } = await import('./support.ts');
  printTable(rows);
}
