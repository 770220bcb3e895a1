/**
 * The embedded default's job queue: same handlers as BullMQ, run inside the web process.
 * Nothing accepted is lost across restarts because the document rows themselves record what is
 * unfinished; `recoverUnfinished` re-queues them at start-up.
 */
import { randomUUID } from 'node:crypto';
import { isRetryable, type EnqueueOptions, type JobName, type JobPayloads, type JobQueue, type Logger } from '#core';
import type { JobHandlers } from './job-handlers.ts';

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
  readonly maxAttempts?: number;
  readonly backoffMs?: number;
  readonly onFailed?: (job: { id: string; name: JobName; error: unknown }) => void;
}

export interface InProcessQueue extends JobQueue {
  /** Resolves when no job is waiting or running (tests and the CLI use it). */
  drain(): Promise<void>;
  readonly stats: () => { waiting: number; active: number };
}

export function createInProcessQueue(options: InProcessQueueOptions): InProcessQueue {
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 1000;
  const waiting: PendingJob[] = [];
  const known = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
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

  async function run(job: PendingJob): Promise<void> {
    const handler = options.handlers[job.name] as
      | ((payload: unknown, ctx: { attempt: number; signal: AbortSignal }) => Promise<void>)
      | undefined;
    const log = options.logger.child({ jobId: job.id, job: job.name, attempt: job.attempt });
    if (!handler) {
      log.error({}, 'no handler for job');
      known.delete(job.id);
      return;
    }
    try {
      await handler(job.payload, { attempt: job.attempt, signal: abort.signal });
      known.delete(job.id);
    } catch (error) {
      if (closed) return;
      if (isRetryable(error) && job.attempt < maxAttempts) {
        const delay = backoffMs * 2 ** (job.attempt - 1);
        log.warn({ err: error, retryInMs: delay }, 'job failed; will retry');
        const timer = setTimeout(() => {
          timers.delete(timer);
          job.attempt += 1;
          waiting.push(job);
          pump();
        }, delay);
        timers.add(timer);
        return;
      }
      known.delete(job.id);
      log.error({ err: error }, 'job failed');
      options.onFailed?.({ id: job.id, name: job.name, error });
    }
  }

  return {
    async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], opts?: EnqueueOptions) {
      if (closed) throw new Error('queue is closed');
      const id = opts?.jobId ?? randomUUID();
      if (known.has(id)) return id;
      known.add(id);
      const job: PendingJob = { id, name, payload, attempt: 1 };
      if (opts?.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          waiting.push(job);
          pump();
        }, opts.delayMs);
        timers.add(timer);
      } else {
        waiting.push(job);
        queueMicrotask(pump);
      }
      return id;
    },
    drain() {
      return new Promise<void>((resolve) => {
        idle.push(resolve);
        settleIdle();
      });
    },
    stats: () => ({ waiting: waiting.length, active }),
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      waiting.length = 0;
      // Let running jobs finish; if they outlive the grace period the abort signal tells them to stop.
      const deadline = Date.now() + 10_000;
      while (active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      abort.abort();
      settleIdle();
    },
  };
}
