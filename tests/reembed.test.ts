/**
 * Changing the embedding model re-embeds every chunk in the background (a reembed-all job on BullMQ and
 * real Redis) while questions keep being answered from the previous model's vectors; the new model takes
 * over only once all its vectors are written.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Embedder, loadConfig, type Principal } from '#core';
import { type Database, openDatabase, rows } from '#db';
import { type BullmqQueue, createBullmqQueue } from '../workers/bullmq-queue.ts';
import { type BullmqWorker, startBullmqWorker } from '../workers/bullmq-worker.ts';
import { createEmbedderForModel, createEngine, type Engine } from '../workers/engine.ts';
import { createJobHandlers } from '../workers/job-handlers.ts';
import { scheduleReembedIfNeeded } from '../workers/recovery.ts';
import {
  buildCollection,
  createTestEngine,
  ingestText,
  silentLogger,
  type TestEngine,
} from './support/engine.ts';
import { deleteRedisKeys, REDIS_TEST_URL, requireRedis, testPrefix } from './support/redis.ts';

const TOPICS = ['falcon', 'harbor', 'meadow', 'glacier', 'lantern', 'orchard', 'canyon', 'tundra'];
const OLD_MODEL = 'local-hash-v2-64';
const NEW_MODEL = 'local-hash-v2-32';

let database: Database;
let before: TestEngine;
let after: Engine;
let queue: BullmqQueue;
let worker: BullmqWorker;
let prefix: string;
let asker: Principal;

/** Batches the re-embed job may embed; each embedDocuments call of the new model takes one. */
let permits = 0;
let batchesStarted = 0;

function gated(inner: Embedder): Embedder {
  return {
    model: inner.model,
    dimensions: inner.dimensions,
    embedQuery: (text, signal) => inner.embedQuery(text, signal),
    async embedDocuments(texts, signal) {
      batchesStarted += 1;
      while (permits <= 0) await new Promise((resolve) => setTimeout(resolve, 10));
      permits -= 1;
      return inner.embedDocuments(texts, signal);
    },
  };
}

async function modelStates() {
  const found = await rows<{ name: string; state: string }>(
    database.db,
    sql`select name, state from embedding_models order by name`,
  );
  return Object.fromEntries(found.map((row) => [row.name, row.state]));
}

async function vectorCount(model: string) {
  const [row] = await rows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from chunk_embeddings where model = ${model}`,
  );
  return row?.n ?? 0;
}

async function chunkCount() {
  const [row] = await rows<{ n: number }>(database.db, sql`select count(*)::int as n from chunks`);
  return row?.n ?? 0;
}

/** The best chunk for a question about `topic`, as the engine of the new configuration retrieves it. */
async function retrieveTopic(topic: string) {
  const [best] = await after.retriever.retrieve(
    `What is the code word of the ${topic} project?`,
    { userId: asker.userId },
    {
      limit: 3,
    },
  );
  return best;
}

beforeAll(async () => {
  await requireRedis();
  database = await openDatabase();
  // The deployment so far: 64-dimensional local vectors.
  before = await createTestEngine({ EMBEDDING_DIMENSIONS: '64' }, { database });
  asker = before.admin;
  const collection = await buildCollection(before, { everyone: true });
  for (const topic of TOPICS) {
    await ingestText(before, {
      collectionId: collection.id,
      filename: `${topic}.md`,
      text: `# The ${topic} project\n\nThe code word of the ${topic} project is ${topic.toUpperCase()}-7.`,
    });
  }

  // The new configuration: EMBEDDING_DIMENSIONS changed, so the model name changes too.
  const config = loadConfig({ LOG_LEVEL: 'silent', EMBEDDING_DIMENSIONS: '32', EMBEDDING_BATCH_SIZE: '2' });
  after = await createEngine({ config, logger: silentLogger, database });
  prefix = testPrefix();
  queue = createBullmqQueue({
    url: REDIS_TEST_URL,
    prefix,
    logger: silentLogger,
    attempts: 2,
    backoffMs: 50,
  });
  const handlers = createJobHandlers({
    ingestor: after.ingestor,
    documents: after.documents,
    logger: silentLogger,
    db: database.db,
    embedderFor: (model) => gated(createEmbedderForModel(config, silentLogger, model)),
    batchSize: 2,
  });
  worker = startBullmqWorker({ url: REDIS_TEST_URL, prefix, handlers, logger: silentLogger, concurrency: 1 });
  await worker.ready();
});

afterAll(async () => {
  permits = Number.POSITIVE_INFINITY;
  await worker?.close();
  await queue?.close();
  await deleteRedisKeys(REDIS_TEST_URL, prefix);
  await before?.close();
  await after?.close();
});

describe('re-embedding for a new embedding model', () => {
  it('answers from the old vectors while the new ones are written, then switches to the new model', async () => {
    expect(await modelStates()).toEqual({ [NEW_MODEL]: 'building', [OLD_MODEL]: 'active' });
    expect(
      await scheduleReembedIfNeeded({
        db: database.db,
        embedder: after.embedder,
        queue,
        logger: silentLogger,
      }),
    ).toBe(true);
    // Queuing it again (another process starting) changes nothing.
    expect(
      await scheduleReembedIfNeeded({
        db: database.db,
        embedder: after.embedder,
        queue,
        logger: silentLogger,
      }),
    ).toBe(true);

    // Part-way: two batches (four chunks, in chunk order) have new vectors.
    permits = 2;
    await expect.poll(() => batchesStarted, { timeout: 10_000 }).toBe(3);
    expect(await vectorCount(NEW_MODEL)).toBe(4);
    expect((await modelStates())[NEW_MODEL]).toBe('building');

    // The last topic's chunk has no new vector yet; the vector search still finds it (old model).
    const last = TOPICS.at(-1)!;
    const during = await retrieveTopic(last);
    expect(during?.text).toContain(`${last.toUpperCase()}-7`);
    expect(during?.vectorRank).not.toBeNull();
    const answer = await after.ask.run({
      principal: asker,
      question: `What is the code word of the ${last} project?`,
      conversation: { platform: 'api', channelId: null, threadId: null },
      scope: { userId: asker.userId },
    });
    expect(answer.answered).toBe(true);
    expect(answer.answer).toContain(`${last.toUpperCase()}-7`);

    permits = Number.POSITIVE_INFINITY;
    await expect
      .poll(() => modelStates(), { timeout: 15_000 })
      .toEqual({ [NEW_MODEL]: 'active', [OLD_MODEL]: 'retired' });
    expect(await vectorCount(NEW_MODEL)).toBe(await chunkCount());

    // Now the question is embedded with the new model: without the old vectors, vector search still finds it.
    await database.db.execute(sql`delete from chunk_embeddings where model = ${OLD_MODEL}`);
    const switched = await retrieveTopic(last);
    expect(switched?.text).toContain(`${last.toUpperCase()}-7`);
    expect(switched?.vectorRank).not.toBeNull();

    // Nothing left to do: the model is active, so no re-embed is queued again.
    expect(
      await scheduleReembedIfNeeded({
        db: database.db,
        embedder: after.embedder,
        queue,
        logger: silentLogger,
      }),
    ).toBe(false);
  });
});
