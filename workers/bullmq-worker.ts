/**
 * Runs the typed job handlers on BullMQ: the worker side of workers/bullmq-queue.ts. Errors that can never
 * succeed (core's `isRetryable` says no) become BullMQ's UnrecoverableError, so the job fails at once with
 * its reason; anything else is retried with the backoff the job was enqueued with.
 *
 * Crashes: a worker holds a lock on each running job and renews it; when a worker dies (SIGKILL, OOM),
 * the lock expires after `lockMs` and another worker's stalled-job check puts the job back in the queue.
 * Shutdown: `close` stops taking jobs and waits for the running ones; after `graceMs` it aborts them and
 * hands them back to the queue (delayed by 0 ms, without using up an attempt).
 */
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import { isRetryable, type JobName, type Logger } from '#core';
import {
  type BullmqConnectionOptions,
  DEFAULT_REDIS_PREFIX,
  fromBullmqJobId,
  QUEUE_NAME,
} from './bullmq-queue.ts';
import type { JobFailure, JobFailureHandler, JobHandlers } from './job-handlers.ts';
import { watchConnection } from './redis-connection.ts';

export interface BullmqWorkerOptions extends BullmqConnectionOptions {
  readonly handlers: JobHandlers;
  readonly logger: Logger;
  /** Jobs run at once by this process. */
  readonly concurrency: number;
  /** How long a job's lock lasts without renewal: a dead worker's job is taken over after this. Default 30 s. */
  readonly lockMs?: number | undefined;
  readonly onFailed?: JobFailureHandler | undefined;
}

export interface BullmqWorker {
  /** Resolves once connected to Redis and taking jobs. */
  ready(): Promise<void>;
  /** Jobs running in this process right now. */
  running(): number;
  /** Stops taking jobs, waits up to `graceMs` (default 25 s) for running ones, then hands them back. */
  close(options?: { graceMs?: number }): Promise<void>;
}

type AnyHandler = (payload: unknown, context: { attempt: number; signal: AbortSignal }) => Promise<void>;

export function startBullmqWorker(options: BullmqWorkerOptions): BullmqWorker {
  const logger = options.logger.child({ component: 'worker' });
  const lockMs = options.lockMs ?? 30_000;
  let handingBack = false;
  let running = 0;

  async function process(job: Job, token?: string, signal?: AbortSignal): Promise<void> {
    const handler = options.handlers[job.name as JobName] as AnyHandler | undefined;
    if (!handler) throw new UnrecoverableError(`No handler for job ${job.name}`);
    const attempt = job.attemptsMade + 1;
    const log = logger.child({ jobId: job.id, job: job.name, attempt });
    running += 1;
    try {
      // A scheduler's template does not keep an empty payload: it arrives as undefined.
      await handler(job.data ?? {}, { attempt, signal: signal ?? new AbortController().signal });
    } catch (error) {
      if (handingBack && signal?.aborted && token) {
        // Back to the queue for another worker, as if never started: no attempt is used up.
        await job.moveToDelayed(Date.now(), token);
        log.info({}, 'job handed back at shutdown');
        throw new DelayedError();
      }
      if (!isRetryable(error)) {
        log.warn({ err: error }, 'job failed; not retried');
        throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
      }
      log.warn({ err: error }, 'job failed; will retry if attempts remain');
      throw error;
    } finally {
      running -= 1;
    }
  }

  const worker = new Worker(QUEUE_NAME, process, {
    connection: {
      url: options.url,
      connectionName: 'ex-gpt-worker',
      maxRetriesPerRequest: null,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    },
    prefix: options.prefix ?? DEFAULT_REDIS_PREFIX,
    concurrency: options.concurrency,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
    // A job whose worker died twice (a file that crashes the process?) fails instead of killing a third.
    maxStalledCount: 2,
    autorun: true,
  });
  watchConnection(worker, logger);

  worker.on('failed', (job, error) => {
    // Fired for every failed run; only the last one (no retry scheduled) has finishedOn.
    if (!job || job.finishedOn === undefined || error.name === 'DelayedError') return;
    const failure = {
      id: job.id === undefined ? '' : fromBullmqJobId(job.id),
      name: job.name,
      payload: job.data,
      reason: job.failedReason ?? error.message,
    } as JobFailure;
    void options
      .onFailed?.(failure)
      .catch((hookError: unknown) =>
        logger.error({ err: hookError, jobId: failure.id }, 'recording the failure failed'),
      );
  });

  let closing: Promise<void> | undefined;
  return {
    ready: () => worker.waitUntilReady(),
    running: () => running,
    close({ graceMs = 25_000 } = {}) {
      closing ??= (async () => {
        const timer = setTimeout(() => {
          handingBack = true;
          worker.cancelAllJobs('worker shutting down');
        }, graceMs);
        try {
          await worker.close();
        } catch (error) {
          logger.warn({ err: error }, 'closing the worker failed');
        } finally {
          clearTimeout(timer);
        }
      })();
      return closing;
    },
  };
}
