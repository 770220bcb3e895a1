/**
 * Ingestion jobs on BullMQ (real Redis) against an OpenAI-compatible embedding endpoint that fails: a
 * passing 503 is retried with backoff until the document is indexed; an endpoint down for good fails
 * the job after its attempts and the document says why (and the failed job can be re-run); a corrupt
 * file fails at once, without retries and without calling the endpoint.
 */
import { PDFDocument } from 'pdf-lib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ingestJobId, sha256Hex, submitDocument } from '#core';
import { createOpenAiEmbedder } from '../core/embedding/openai-embedder.ts';
import { createInThreadAnalyzer } from '../core/ingest/analyze-file.ts';
import { createTokenCounter } from '../core/ingest/index.ts';
import { createDocumentIngestor } from '../core/ingest-document.ts';
import { type BullmqQueue, createBullmqQueue } from '../workers/bullmq-queue.ts';
import { type BullmqWorker, startBullmqWorker } from '../workers/bullmq-worker.ts';
import { createJobFailureRecorder, createJobHandlers } from '../workers/job-handlers.ts';
import { type FakeOpenAi, startFakeOpenAi } from './fakes/openai-server.ts';
import { DATABASE_KINDS } from './support/databases.ts';
import { buildCollection, createTestEngine, silentLogger, type TestEngine } from './support/engine.ts';
import { deleteRedisKeys, REDIS_TEST_URL, requireRedis, testPrefix } from './support/redis.ts';

const MODEL = 'fake-embed';
describe.each(DATABASE_KINDS)('on %s', (kind) => {
  let fake: FakeOpenAi;
  let t: TestEngine;
  let queue: BullmqQueue;
  let worker: BullmqWorker;
  let prefix: string;
  let collectionId: string;

  beforeAll(async () => {
    await requireRedis();
    fake = await startFakeOpenAi();
    t = await createTestEngine(
      {
        EMBEDDING_MODEL: MODEL,
        EMBEDDING_DIMENSIONS: '8',
        OPENAI_BASE_URL: fake.url,
        OPENAI_API_KEY: 'test-key',
      },
      { databaseKind: kind },
    );
    // The engine's own embedder retries a request 5 times itself; here every failure reaches the job queue.
    const embedder = createOpenAiEmbedder({
      baseUrl: fake.url,
      apiKey: 'test-key',
      model: MODEL,
      dimensions: 8,
      batchSize: 16,
      maxRetries: 0,
    });
    const ingestor = createDocumentIngestor({
      documents: t.engine.documents,
      embedder,
      analyzer: createInThreadAnalyzer(createTokenCounter()),
      logger: silentLogger,
      maxBytes: t.config.MAX_UPLOAD_BYTES,
      chunkTokens: t.config.CHUNK_TOKENS,
      chunkOverlapTokens: t.config.CHUNK_OVERLAP_TOKENS,
      embeddingBatchSize: 16,
    });
    const handlers = createJobHandlers({
      ingestor,
      documents: t.engine.documents,
      logger: silentLogger,
      db: t.database.db,
      embedderFor: () => embedder,
      batchSize: 16,
    });
    prefix = testPrefix();
    queue = createBullmqQueue({
      url: REDIS_TEST_URL,
      prefix,
      logger: silentLogger,
      attempts: 3,
      backoffMs: 100,
    });
    worker = startBullmqWorker({
      url: REDIS_TEST_URL,
      prefix,
      handlers,
      logger: silentLogger,
      concurrency: 1,
      onFailed: createJobFailureRecorder({ documents: t.engine.documents, logger: silentLogger }),
    });
    await worker.ready();
    collectionId = (await buildCollection(t)).id;
  });

  afterEach(() => {
    fake.script('*', {});
  });

  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    await deleteRedisKeys(REDIS_TEST_URL, prefix);
    await t?.close();
    await fake?.close();
  });

  async function submit(filename: string, bytes: Uint8Array, mimeType = 'text/markdown') {
    const outcome = await submitDocument(
      { documents: t.engine.documents, queue },
      {
        collectionId,
        sourceKey: filename,
        title: filename,
        filename,
        mimeType,
        bytes,
        sha256: sha256Hex(bytes),
        uploadedBy: t.admin.userId,
      },
    );
    return outcome.document;
  }

  const text = (value: string) => new TextEncoder().encode(value);
  const document = (id: string) => t.engine.documents.get(id);
  const embeddingCalls = () => fake.embeddingRequests().length;

  describe('ingestion jobs against a failing embedding endpoint', () => {
    it('retries a passing 503 with backoff until the document is indexed', async () => {
      fake.scriptNext(MODEL, { fail: { status: 503 } }, { fail: { status: 503 } });
      const before = embeddingCalls();
      const doc = await submit('travel.md', text('# Travel\n\nBook all business travel through the portal.'));
      await expect.poll(async () => (await document(doc.id))?.status, { timeout: 15_000 }).toBe('ready');
      const calls = fake.requests.filter((r) => r.kind === 'embeddings').slice(before);
      expect(calls.map((r) => r.status)).toEqual([503, 503, 200]);
      // Backoff 100 ms, then 200 ms (exponential) between the three runs.
      expect(calls[1]!.receivedAt - calls[0]!.receivedAt).toBeGreaterThanOrEqual(95);
      expect(calls[2]!.receivedAt - calls[1]!.receivedAt).toBeGreaterThanOrEqual(195);
      expect(await queue.listFailed()).toEqual([]);
    });

    it('fails the job after its attempts when the endpoint stays down, says why on the document, and re-runs it', async () => {
      fake.script(MODEL, { fail: { status: 503, message: 'The server is overloaded.' } });
      const before = embeddingCalls();
      const doc = await submit('expenses.md', text('# Expenses\n\nSubmit expense reports within 30 days.'));
      await expect.poll(async () => (await document(doc.id))?.status, { timeout: 15_000 }).toBe('failed');
      expect(embeddingCalls() - before).toBe(3);
      const failed = await document(doc.id);
      expect(failed?.error).toContain('Indexing failed');
      expect(failed?.error).toContain('503');
      const [job] = (await queue.listFailed()).filter((j) => j.id === ingestJobId(doc.id, doc.version));
      expect(job).toMatchObject({ name: 'ingest-document', attempts: 3 });
      expect(job?.reason).toContain('503');

      // The endpoint is back: re-running the failed job indexes the document.
      fake.script(MODEL, {});
      expect(await queue.retryFailed(ingestJobId(doc.id, doc.version))).toBe(true);
      await expect.poll(async () => (await document(doc.id))?.status, { timeout: 15_000 }).toBe('ready');
      expect((await queue.listFailed()).some((j) => j.id === ingestJobId(doc.id, doc.version))).toBe(false);
    });

    it('fails a corrupt file at once, with its reason, without retries or embedding calls', async () => {
      const pdf = await PDFDocument.create();
      pdf.addPage();
      const bytes = (await pdf.save()).slice(0, 200);
      const before = embeddingCalls();
      const doc = await submit('broken.pdf', bytes, 'application/pdf');
      await expect.poll(async () => (await document(doc.id))?.status, { timeout: 15_000 }).toBe('failed');
      const failed = await document(doc.id);
      expect(failed?.error).toBeTruthy();
      expect(failed?.error).not.toContain('Indexing failed');
      const [job] = (await queue.listFailed()).filter((j) => j.id === ingestJobId(doc.id, doc.version));
      expect(job).toMatchObject({ attempts: 1, reason: failed?.error });
      expect(embeddingCalls()).toBe(before);
    });
  });
});
