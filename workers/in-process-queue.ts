/**
 * The embedded default's job queue: same handlers as BullMQ, run inside the web process.
 * Nothing accepted is lost across restarts because the document rows themselves record what is
 * unfinished; `recoverUnfinishedDocuments` re-queues them at start-up. Failed jobs are kept in memory
 * (the most recent 1,000) with their reason and can be re-run until the process stops.
 */
import { randomUUID } from 'node:crypto';
import {
  type EnqueueOptions,
  type FailedJob,
  isRetryable,
  type JobName,
  type JobPayloads,
  type JobQueue,
  type Logger,
} from '#core';
import type { RecurringJobs } from './housekeeping-schedule.ts';
import type { JobFailure, JobFailureHandler, JobHandlers } from './job-handlers.ts';

interface PendingJob {
  readonly id: string;
  readonly name: JobName;
  readonly payload: unknown;
  attempt: number;
}

export interface InProcessQueueOptions {
  readonly handlers: JobHandlers;
  readonly logger: Logger;
  readonly concurrency: number;
  /** Runs of a job before it fails for good. Default 5. */
  readonly maxAttempts?: number;
  /** First retry delay, doubled on each further retry. Default 1000 ms. */
  readonly backoffMs?: number;
  /** How long `close` waits for running jobs before aborting them. Default 10 s. */
  readonly shutdownGraceMs?: number;
  readonly onFailed?: JobFailureHandler;
}

export interface InProcessQueue extends JobQueue, RecurringJobs {
  /** Resolves when no job is waiting or running (tests and the CLI use it). */
  drain(): Promise<void>;
  readonly stats: () => { waiting: number; active: number; failed: number };
}

const MAX_FAILED_KEPT = 1000;

export function createInProcessQueue(options: InProcessQueueOptions): InProcessQueue {
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 1000;
  const waiting: PendingJob[] = [];
  /** Ids of jobs waiting, delayed, running or waiting for a retry: enqueueing one of them is a no-op. */
  const pending = new Set<string>();
  const failed = new Map<string, FailedJob>();
  const timers = new Set<NodeJS.Timeout>();
  const schedules = new Map<string, NodeJS.Timeout>();
  const abort = new AbortController();
  let active = 0;
  let closed = false;
  let idle: (() => void)[] = [];

  function settleIdle(): void {
    if (active === 0 && waiting.length === 0 && timers.size === 0) {
      for (const resolve of idle) resolve();
      idle = [];
    }
  }

  function later(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
      settleIdle();
    }, delayMs);
    timers.add(timer);
  }

  function pump(): void {
    while (!closed && active < options.concurrency && waiting.length > 0) {
      const job = waiting.shift()!;
      active += 1;
      void run(job).finally(() => {
        active -= 1;
        pump();
        settleIdle();
      });
    }
  }

  function push(job: PendingJob): void {
    waiting.push(job);
    pump();
  }

  async function run(job: PendingJob): Promise<void> {
    const handler = options.handlers[job.name] as
      | ((payload: unknown, ctx: { attempt: number; signal: AbortSignal }) => Promise<void>)
      | undefined;
    const log = options.logger.child({ jobId: job.id, job: job.name, attempt: job.attempt });
    try {
      if (!handler) throw Object.assign(new Error(`no handler for job ${job.name}`), { unrecoverable: true });
      await handler(job.payload, { attempt: job.attempt, signal: abort.signal });
      pending.delete(job.id);
    } catch (error) {
      // Shutting down: the job is abandoned here and picked up again from the database at the next start.
      if (closed) return;
      const retryable = isRetryable(error) && !(error as { unrecoverable?: boolean }).unrecoverable;
      if (retryable && job.attempt < maxAttempts) {
        const delay = backoffMs * 2 ** (job.attempt - 1);
        log.warn({ err: error, retryInMs: delay }, 'job failed; will retry');
        later(delay, () => {
          job.attempt += 1;
          push(job);
        });
        return;
      }
      pending.delete(job.id);
      const reason = error instanceof Error ? error.message : String(error);
      // Input that can never succeed (a corrupt file) is the user's to fix, already recorded on what it
      // was about: a warning, as the BullMQ worker logs it. Running out of attempts is an error.
      if (retryable) log.error({ err: error }, 'job failed after its last attempt');
      else log.warn({ err: error }, 'job failed; not retried');
      failed.delete(job.id);
      failed.set(job.id, {
        id: job.id,
        name: job.name,
        payload: job.payload,
        reason,
        attempts: job.attempt,
        failedAt: new Date(),
      } as FailedJob);
      if (failed.size > MAX_FAILED_KEPT) failed.delete(failed.keys().next().value!);
      await options
        .onFailed?.({ id: job.id, name: job.name, payload: job.payload, reason } as JobFailure)
        .catch((hookError: unknown) => log.error({ err: hookError }, 'recording the failure failed'));
    }
  }

  function add(id: string, name: JobName, payload: unknown, delayMs?: number): void {
    pending.add(id);
    failed.delete(id);
    const job: PendingJob = { id, name, payload, attempt: 1 };
    if (delayMs) later(delayMs, () => push(job));
    else queueMicrotask(() => push(job));
  }

  return {
    async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], opts?: EnqueueOptions) {
      if (closed) throw new Error('queue is closed');
      const id = opts?.jobId ?? randomUUID();
      if (!pending.has(id)) add(id, name, payload, opts?.delayMs);
      return id;
    },

    async listFailed(limit = 100) {
      return [...failed.values()].reverse().slice(0, Math.max(0, limit));
    },

    async retryFailed(jobId) {
      const job = failed.get(jobId);
      if (!job || closed || pending.has(jobId)) return false;
      add(job.id, job.name, job.payload);
      return true;
    },

    async repeat(id, name, payload, everyMs) {
      const replaced = schedules.has(id);
      clearInterval(schedules.get(id));
      const enqueue = () => {
        if (!closed) add(`${id}:${Date.now()}`, name, payload);
      };
      // Like a BullMQ scheduler, the first run is now: a process restarted more often than the interval
      // would otherwise never run a daily job.
      if (!replaced) enqueue();
      const timer = setInterval(enqueue, everyMs);
      // A schedule alone never keeps the process alive.
      timer.unref();
      schedules.set(id, timer);
    },

    async cancelRepeat(id) {
      clearInterval(schedules.get(id));
      schedules.delete(id);
    },

    drain() {
      return new Promise<void>((resolve) => {
        idle.push(resolve);
        settleIdle();
      });
    },

    stats: () => ({ waiting: waiting.length, active, failed: failed.size }),

    async close() {
      closed = true;
      for (const timer of schedules.values()) clearInterval(timer);
      schedules.clear();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      waiting.length = 0;
      // Let running jobs finish; if they outlive the grace period the abort signal tells them to stop.
      const deadline = Date.now() + (options.shutdownGraceMs ?? 10_000);
      while (active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      abort.abort();
      const aborted = Date.now() + 2000;
      while (active > 0 && Date.now() < aborted) await new Promise((r) => setTimeout(r, 25));
      settleIdle();
    },
  };
}
