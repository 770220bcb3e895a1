/**
 * The ProgressFeed port against both adapters (in-process, Redis pub/sub), and progress of a document
 * ingested by a BullMQ worker reaching a subscriber in another "process" (another feed on another
 * connection), as the admin API will see it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocumentProgressEvent, type ProgressFeed, sha256Hex, submitDocument } from '#core';
import { createBullmqQueue } from '../workers/bullmq-queue.ts';
import { startBullmqWorker } from '../workers/bullmq-worker.ts';
import { createEngine } from '../workers/engine.ts';
import { createInProcessProgressFeed } from '../workers/in-process-progress-feed.ts';
import { createRedisProgressFeed } from '../workers/redis-progress-feed.ts';
import { buildCollection, createTestEngine, silentLogger, type TestEngine } from './support/engine.ts';
import { deleteRedisKeys, REDIS_TEST_URL, requireRedis, testPrefix } from './support/redis.ts';

const event = (documentId: string, percent: number): DocumentProgressEvent => ({
  documentId,
  progress: { stage: 'embedding', percent },
  status: 'processing',
});

type FeedPair = () => Promise<{ publisher: ProgressFeed; subscriber: ProgressFeed; close(): Promise<void> }>;

const inProcess: FeedPair = async () => {
  const feed = createInProcessProgressFeed();
  return { publisher: feed, subscriber: feed, close: () => feed.close() };
};

const redis: FeedPair = async () => {
  await requireRedis();
  const prefix = testPrefix();
  const publisher = createRedisProgressFeed({ url: REDIS_TEST_URL, prefix, logger: silentLogger });
  const subscriber = createRedisProgressFeed({ url: REDIS_TEST_URL, prefix, logger: silentLogger });
  await subscriber.subscribed();
  // The publisher drops events until its own connection is up.
  await publisher.connected();
  return {
    publisher,
    subscriber,
    async close() {
      await publisher.close();
      await subscriber.close();
    },
  };
};

describe.each([
  ['in-process', inProcess],
  ['Redis pub/sub', redis],
] as const)('ProgressFeed conformance: %s', (_name, createPair) => {
  it('delivers published events to subscribers until they unsubscribe', async () => {
    const { publisher, subscriber, close } = await createPair();
    try {
      const seen: DocumentProgressEvent[] = [];
      const unsubscribe = subscriber.subscribe((e) => seen.push(e));
      if ('subscribed' in subscriber) await (subscriber as { subscribed(): Promise<void> }).subscribed();
      publisher.publish(event('doc-1', 40));
      await expect.poll(() => seen).toEqual([event('doc-1', 40)]);
      unsubscribe();
      const other: DocumentProgressEvent[] = [];
      subscriber.subscribe((e) => other.push(e));
      publisher.publish(event('doc-2', 60));
      publisher.publish(event('doc-3', 90));
      await expect.poll(() => other).toEqual([event('doc-2', 60), event('doc-3', 90)]);
      expect(seen).toEqual([event('doc-1', 40)]);
    } finally {
      await close();
    }
  });
});

describe('progress from a BullMQ worker', () => {
  let t: TestEngine;
  const prefix = testPrefix();

  beforeAll(async () => {
    await requireRedis();
    t = await createTestEngine();
  });
  afterAll(async () => {
    await deleteRedisKeys(REDIS_TEST_URL, prefix);
    await t?.close();
  });

  it('reaches a subscriber on another connection, stage by stage, ending in done', async () => {
    const web = createRedisProgressFeed({ url: REDIS_TEST_URL, prefix, logger: silentLogger });
    const workerFeed = createRedisProgressFeed({ url: REDIS_TEST_URL, prefix, logger: silentLogger });
    const seen: DocumentProgressEvent[] = [];
    web.subscribe((e) => seen.push(e));
    await web.subscribed();
    await workerFeed.connected();
    const engine = await createEngine({
      config: t.config,
      logger: silentLogger,
      database: t.database,
      // The worker reads uploads where the web process stored them, as workers/main.ts arranges.
      files: t.engine.files,
      onProgress: (documentId, progress) =>
        workerFeed.publish({
          documentId,
          progress,
          status: progress.stage === 'done' ? 'ready' : 'processing',
        }),
    });
    const queue = createBullmqQueue({ url: REDIS_TEST_URL, prefix, logger: silentLogger });
    const worker = startBullmqWorker({
      url: REDIS_TEST_URL,
      prefix,
      handlers: engine.handlers,
      logger: silentLogger,
      concurrency: 1,
    });
    try {
      await worker.ready();
      const collection = await buildCollection(t);
      const bytes = new TextEncoder().encode('# Expenses\n\nSubmit expense reports within 30 days.');
      const { document } = await submitDocument(
        { documents: t.engine.documents, queue },
        {
          collectionId: collection.id,
          sourceKey: 'expenses.md',
          title: 'Expenses',
          filename: 'expenses.md',
          mimeType: 'text/markdown',
          bytes,
          sha256: sha256Hex(bytes),
          uploadedBy: null,
        },
      );
      await expect.poll(() => seen.at(-1)?.progress.stage, { timeout: 15_000 }).toBe('done');
      const stages = seen.filter((e) => e.documentId === document.id).map((e) => e.progress.stage);
      expect(stages).toEqual(expect.arrayContaining(['parsing', 'chunking', 'embedding', 'storing', 'done']));
      expect(seen.at(-1)).toMatchObject({
        documentId: document.id,
        status: 'ready',
        progress: { percent: 100 },
      });
      expect((await t.engine.documents.get(document.id))?.status).toBe('ready');
    } finally {
      await worker.close();
      await queue.close();
      await web.close();
      await workerFeed.close();
    }
  });
});
