/**
 * The JobQueue port on BullMQ and Redis: what the web process (and a worker re-queueing work) uses to
 * enqueue. Jobs carry explicit attempts and exponential backoff; failed jobs are kept with their reason
 * and can be re-run. While Redis is away, enqueueing fails at once with AppError('unavailable') rather
 * than waiting; the caller decides (an upload answers 503; its document row is re-queued later).
 */
import { randomUUID } from 'node:crypto';
import { type JobsOptions, Queue } from 'bullmq';
import {
  AppError,
  type EnqueueOptions,
  type FailedJob,
  type JobName,
  type JobPayloads,
  type JobQueue,
  type Logger,
} from '#core';
import type { RecurringJobs } from './housekeeping-schedule.ts';
import { createRedisClient } from './redis-connection.ts';

export const DEFAULT_REDIS_PREFIX = 'ex-gpt';
export const QUEUE_NAME = 'jobs';
const UNAVAILABLE_MESSAGE = 'The job queue (Redis) is not reachable right now; try again shortly.';

export interface BullmqConnectionOptions {
  readonly url: string;
  /** Prefix of every Redis key (and the progress channel): separates deployments or tests on one Redis. */
  readonly prefix?: string | undefined;
}

export interface BullmqQueueOptions extends BullmqConnectionOptions {
  readonly logger: Logger;
  /** Runs of a job before it fails for good (input that can never succeed fails at once). Default 5. */
  readonly attempts?: number | undefined;
  /** First retry delay; doubled on each further retry. Default 1000 ms. */
  readonly backoffMs?: number | undefined;
  /** How many completed and failed jobs Redis keeps for inspection. */
  readonly keepCompleted?: number | undefined;
  readonly keepFailed?: number | undefined;
}

export interface BullmqQueue extends JobQueue, RecurringJobs {
  /** Throws unless Redis answers now (readiness check). */
  ping(): Promise<void>;
  /** Whether the connection is up; uploads are refused while it is not. */
  isAvailable(): boolean;
  /**
   * Calls `listener` whenever Redis becomes reachable: at once when it is now, and after every outage
   * (a restarted Redis may have lost its queue). Returns the unsubscribe.
   */
  onAvailable(listener: () => void): () => void;
  counts(): Promise<Record<string, number>>;
  /** Worker processes connected to the queue, and when each last talked to Redis (its heartbeat). */
  workers(): Promise<QueueWorker[]>;
}

export interface QueueWorker {
  readonly address: string;
  readonly lastSeenAt: Date;
}

/**
 * BullMQ refuses some custom ids (integers, colons other than `a:b:c`); ours (`ingest:<id>:<version>`,
 * model names with colons) are escaped reversibly so that the port's ids stay what callers chose.
 */
export function toBullmqJobId(id: string): string {
  const escaped = encodeURIComponent(id);
  return /^\d+$/.test(escaped) ? `#${escaped}` : escaped;
}

export function fromBullmqJobId(id: string): string {
  return decodeURIComponent(id.startsWith('#') ? id.slice(1) : id);
}

export function createBullmqQueue(options: BullmqQueueOptions): BullmqQueue {
  const logger = options.logger.child({ component: 'queue' });
  const connection = createRedisClient({ url: options.url, logger, name: 'ex-gpt-producer', failFast: true });
  const queue = new Queue(QUEUE_NAME, { connection, prefix: options.prefix ?? DEFAULT_REDIS_PREFIX });
  // BullMQ re-emits connection errors on the queue; without a listener they would crash the process.
  queue.on('error', () => {});
  const jobOptions: JobsOptions = {
    attempts: options.attempts ?? 5,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
    removeOnComplete: { count: options.keepCompleted ?? 1000 },
    removeOnFail: { count: options.keepFailed ?? 10_000 },
  };

  const availableListeners = new Set<() => void>();
  let connected = false;
  let firstConnection: Promise<void> | null = new Promise<void>((resolve) => {
    connection.once('ready', () => resolve());
    connection.once('error', () => resolve());
  });
  connection.on('ready', () => {
    connected = true;
    for (const listener of availableListeners) listener();
  });
  let closed = false;

  const unavailable = (cause?: unknown) => new AppError('unavailable', UNAVAILABLE_MESSAGE, { cause });

  async function guard<T>(operation: () => Promise<T>): Promise<T> {
    if (closed) throw new Error('queue is closed');
    // Just created: wait for the first connection attempt instead of refusing at once.
    if (!connected && firstConnection) {
      await firstConnection;
      firstConnection = null;
    }
    if (connection.status !== 'ready') throw unavailable();
    try {
      return await operation();
    } catch (error) {
      if (connection.status !== 'ready' || isConnectionError(error)) throw unavailable(error);
      throw error;
    }
  }

  return {
    async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], opts?: EnqueueOptions) {
      const id = opts?.jobId ?? randomUUID();
      const bullId = toBullmqJobId(id);
      await guard(async () => {
        // An id is deduplicated only while its job is pending: a finished or failed one may run again.
        if (opts?.jobId !== undefined) {
          const state = await queue.getJobState(bullId);
          if (state === 'completed' || state === 'failed') await queue.remove(bullId);
        }
        await queue.add(name, payload, {
          ...jobOptions,
          jobId: bullId,
          ...(opts?.delayMs ? { delay: opts.delayMs } : {}),
        });
      });
      return id;
    },

    async listFailed(limit = 100) {
      const jobs = await guard(() => queue.getFailed(0, Math.max(1, limit) - 1));
      return jobs.flatMap((job): FailedJob[] =>
        job?.id === undefined
          ? []
          : [
              {
                id: fromBullmqJobId(job.id),
                name: job.name as JobName,
                payload: job.data,
                reason: job.failedReason ?? 'unknown',
                attempts: job.attemptsMade,
                failedAt: new Date(job.finishedOn ?? job.timestamp),
              } as FailedJob,
            ],
      );
    },

    async retryFailed(jobId) {
      return guard(async () => {
        const job = await queue.getJob(toBullmqJobId(jobId));
        if (!job || (await job.getState()) !== 'failed') return false;
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        logger.info({ jobId, job: job.name }, 'failed job re-queued');
        return true;
      });
    },

    async repeat(id, name, payload, everyMs) {
      await guard(() =>
        queue.upsertJobScheduler(
          id,
          { every: everyMs },
          { name, data: payload, opts: schedulerJobOptions(jobOptions) },
        ),
      );
    },

    async cancelRepeat(id) {
      await guard(() => queue.removeJobScheduler(id));
    },

    async ping() {
      if (connection.status !== 'ready') throw unavailable();
      await connection.ping();
    },

    isAvailable: () => !closed && connection.status === 'ready',

    onAvailable(listener) {
      availableListeners.add(listener);
      if (connection.status === 'ready') queueMicrotask(listener);
      return () => availableListeners.delete(listener);
    },

    async counts() {
      return guard(() => queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'));
    },

    async workers() {
      // CLIENT LIST's `idle` is the seconds since the connection's last command; an idle worker still
      // re-issues its blocking fetch every few seconds, so this is its heartbeat.
      const clients = await guard(() => queue.getWorkers());
      const now = Date.now();
      return clients.map((client) => ({
        address: client.addr ?? '',
        lastSeenAt: new Date(now - Number(client.idle ?? 0) * 1000),
      }));
    },

    async close() {
      if (closed) return;
      closed = true;
      availableListeners.clear();
      await queue.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the queue failed'));
      connection.disconnect();
    },
  };
}

function schedulerJobOptions(options: JobsOptions) {
  const { attempts, backoff, removeOnComplete, removeOnFail } = options;
  return {
    ...(attempts !== undefined ? { attempts } : {}),
    ...(backoff !== undefined ? { backoff } : {}),
    ...(removeOnComplete !== undefined ? { removeOnComplete } : {}),
    ...(removeOnFail !== undefined ? { removeOnFail } : {}),
  };
}

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    /Connection is closed|Stream isn't writeable|max retries per request/i.test(error.message)
  );
}
