/**
 * One suite for the JobQueue port, run against every adapter: the in-process queue (embedded default)
 * and BullMQ on a real Redis (REDIS_TEST_URL). Same handlers, same assertions.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type JobQueue, UnprocessableDocumentError } from '#core';
import { createBullmqQueue } from '../workers/bullmq-queue.ts';
import { startBullmqWorker } from '../workers/bullmq-worker.ts';
import type { RecurringJobs } from '../workers/housekeeping-schedule.ts';
import { createInProcessQueue } from '../workers/in-process-queue.ts';
import type { JobFailure, JobHandlers } from '../workers/job-handlers.ts';
import { silentLogger } from './support/engine.ts';
import { deleteRedisKeys, REDIS_TEST_URL, requireRedis, testPrefix } from './support/redis.ts';

interface Harness {
  readonly queue: JobQueue & RecurringJobs;
  /** Stops taking jobs and waits for the running ones; then closes the queue. */
  stop(): Promise<void>;
}

interface HarnessOptions {
  readonly attempts?: number;
  readonly backoffMs?: number;
  readonly onFailed?: (job: JobFailure) => Promise<void>;
}

type CreateHarness = (handlers: JobHandlers, options?: HarnessOptions) => Promise<Harness>;

const inProcess: CreateHarness = async (handlers, options = {}) => {
  const queue = createInProcessQueue({
    handlers,
    logger: silentLogger,
    concurrency: 2,
    maxAttempts: options.attempts ?? 3,
    backoffMs: options.backoffMs ?? 50,
    ...(options.onFailed ? { onFailed: options.onFailed } : {}),
  });
  return { queue, stop: () => queue.close() };
};

const bullmq: CreateHarness = async (handlers, options = {}) => {
  const prefix = testPrefix();
  const queue = createBullmqQueue({
    url: REDIS_TEST_URL,
    prefix,
    logger: silentLogger,
    attempts: options.attempts ?? 3,
    backoffMs: options.backoffMs ?? 50,
  });
  const worker = startBullmqWorker({
    url: REDIS_TEST_URL,
    prefix,
    handlers,
    logger: silentLogger,
    concurrency: 2,
    onFailed: options.onFailed,
  });
  await worker.ready();
  return {
    queue,
    async stop() {
      await worker.close();
      await queue.close();
      await deleteRedisKeys(REDIS_TEST_URL, prefix);
    },
  };
};

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Timer granularity: Redis and Node may round the same instant to neighbouring milliseconds. */
const CLOCK_SLACK_MS = 5;

describe.each([
  ['in-process', inProcess, false],
  ['BullMQ', bullmq, true],
] as const)('JobQueue conformance: %s', (_name, createHarness, needsRedis) => {
  let harness: Harness | undefined;
  const start = async (handlers: JobHandlers, options?: HarnessOptions) => {
    harness = await createHarness(handlers, options);
    return harness.queue;
  };

  beforeAll(async () => {
    if (needsRedis) await requireRedis();
  });
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it('runs the handler of the job name with its payload', async () => {
    const seen = deferred<unknown>();
    const queue = await start({ 'delete-document': async (payload) => seen.resolve(payload) });
    const id = await queue.enqueue('delete-document', { documentId: 'doc-1' });
    expect(typeof id).toBe('string');
    expect(await seen.promise).toEqual({ documentId: 'doc-1' });
  });

  it('runs a job id once while it is pending, and again once it has finished', async () => {
    const runs: number[] = [];
    let gate = deferred();
    const started = deferred();
    const queue = await start({
      'ingest-document': async ({ version }) => {
        runs.push(version);
        started.resolve();
        await gate.promise;
      },
    });
    const payload = { documentId: 'doc-1', version: 1 };
    const jobId = 'ingest:doc-1:1';
    expect(await queue.enqueue('ingest-document', payload, { jobId })).toBe(jobId);
    await queue.enqueue('ingest-document', payload, { jobId });
    await started.promise;
    await queue.enqueue('ingest-document', { ...payload, version: 2 }, { jobId });
    gate.resolve();
    await sleep(300);
    expect(runs).toEqual([1]);

    gate = deferred();
    gate.resolve();
    await queue.enqueue('ingest-document', { ...payload, version: 3 }, { jobId });
    await expect.poll(() => runs, { timeout: 10_000 }).toEqual([1, 3]);
  });

  it('retries transient errors with exponential backoff until the job succeeds', async () => {
    const startedAt: number[] = [];
    const attempts: number[] = [];
    const done = deferred();
    const queue = await start(
      {
        'delete-document': async (_payload, { attempt }) => {
          startedAt.push(Date.now());
          attempts.push(attempt);
          if (attempts.length < 3)
            throw new AppError('upstream_unavailable', 'embedding endpoint answered 503');
          done.resolve();
        },
      },
      { attempts: 4, backoffMs: 100 },
    );
    await queue.enqueue('delete-document', { documentId: 'doc-1' });
    await done.promise;
    expect(attempts).toEqual([1, 2, 3]);
    expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(100 - CLOCK_SLACK_MS);
    expect(startedAt[2]! - startedAt[1]!).toBeGreaterThanOrEqual(200 - CLOCK_SLACK_MS);
    expect(await queue.listFailed()).toEqual([]);
  });

  it('keeps a job that ran out of attempts as failed, with its reason, and reports it once', async () => {
    let calls = 0;
    const failures: JobFailure[] = [];
    const queue = await start(
      {
        'delete-document': async () => {
          calls += 1;
          throw new AppError('upstream_unavailable', 'database unavailable');
        },
      },
      { attempts: 3, backoffMs: 20, onFailed: async (job) => void failures.push(job) },
    );
    const id = await queue.enqueue('delete-document', { documentId: 'doc-9' });
    await expect.poll(() => queue.listFailed(), { timeout: 10_000 }).toHaveLength(1);
    const [failed] = await queue.listFailed();
    expect(failed).toMatchObject({
      id,
      name: 'delete-document',
      payload: { documentId: 'doc-9' },
      attempts: 3,
    });
    expect(failed?.reason).toContain('database unavailable');
    expect(failed?.failedAt).toBeInstanceOf(Date);
    expect(calls).toBe(3);
    await expect.poll(() => failures.length).toBe(1);
    expect(failures[0]).toMatchObject({ id, name: 'delete-document', payload: { documentId: 'doc-9' } });
  });

  it('does not retry input that can never succeed, records why, and re-runs it on request', async () => {
    let calls = 0;
    let corrupt = true;
    const succeeded = deferred();
    const queue = await start({
      'ingest-document': async () => {
        calls += 1;
        if (corrupt) throw new UnprocessableDocumentError('The PDF is corrupt.');
        succeeded.resolve();
      },
    });
    await queue.enqueue('ingest-document', { documentId: 'doc-2', version: 1 }, { jobId: 'ingest:doc-2:1' });
    await expect.poll(() => queue.listFailed(), { timeout: 10_000 }).toHaveLength(1);
    const [failed] = await queue.listFailed();
    expect(failed).toMatchObject({ id: 'ingest:doc-2:1', reason: 'The PDF is corrupt.', attempts: 1 });
    await sleep(200);
    expect(calls).toBe(1);

    expect(await queue.retryFailed('no-such-job')).toBe(false);
    corrupt = false;
    expect(await queue.retryFailed('ingest:doc-2:1')).toBe(true);
    await succeeded.promise;
    expect(calls).toBe(2);
    await expect.poll(() => queue.listFailed()).toEqual([]);
  });

  it('runs a delayed job no earlier than its delay', async () => {
    const ran = deferred<number>();
    const queue = await start({ 'delete-document': async () => ran.resolve(Date.now()) });
    const enqueuedAt = Date.now();
    await queue.enqueue('delete-document', { documentId: 'later' }, { delayMs: 300 });
    expect((await ran.promise) - enqueuedAt).toBeGreaterThanOrEqual(300 - CLOCK_SLACK_MS);
  });

  it('runs a repeated job every interval until it is cancelled', async () => {
    const runs: number[] = [];
    const queue = await start({ 'rollup-usage': async () => void runs.push(Date.now()) });
    await queue.repeat('rollup', 'rollup-usage', {}, 250);
    await expect.poll(() => runs.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    await queue.cancelRepeat('rollup');
    await sleep(100);
    const after = runs.length;
    await sleep(600);
    expect(runs.length).toBe(after);
  });

  it('lets the running job finish when it is closed', async () => {
    const started = deferred();
    let finished = false;
    const queue = await start({
      'delete-document': async () => {
        started.resolve();
        await sleep(400);
        finished = true;
      },
    });
    await queue.enqueue('delete-document', { documentId: 'slow' });
    await started.promise;
    const h = harness!;
    harness = undefined;
    await h.stop();
    expect(finished).toBe(true);
  });
});
