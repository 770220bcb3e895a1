/**
 * Redis connections for the queue and the progress feed. Every client reconnects forever with a capped
 * backoff, and every 'error' event has a listener: an outage is logged (once, then at most every
 * 30 seconds) and never crashes the process. Clients that serve a request (enqueue, publish, readiness)
 * fail fast while Redis is away instead of queueing commands in memory.
 */
import { Redis } from 'ioredis';
import type { Logger } from '#core';

export interface RedisClientOptions {
  readonly url: string;
  readonly logger: Logger;
  /** Names the connection in logs and in Redis' CLIENT LIST. */
  readonly name: string;
  /**
   * true: commands fail at once while disconnected (producers, publishers, readiness checks).
   * false: commands wait for the reconnection (BullMQ workers and subscribers need this).
   */
  readonly failFast: boolean;
}

const MAX_RECONNECT_DELAY_MS = 2000;
const ERROR_LOG_INTERVAL_MS = 30_000;

export function createRedisClient(options: RedisClientOptions): Redis {
  const client = new Redis(options.url, {
    connectionName: options.name,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), MAX_RECONNECT_DELAY_MS),
    ...(options.failFast
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null }),
  });
  watchConnection(client, options.logger.child({ redis: options.name }));
  return client;
}

/** Logs outages and recoveries of an ioredis-like emitter without flooding the log on every retry. */
export function watchConnection(
  emitter: {
    on(event: 'error', listener: (error: Error) => void): unknown;
    on(event: 'ready', listener: () => void): unknown;
  },
  logger: Logger,
): void {
  let failing = false;
  let lastLogged = 0;
  let suppressed = 0;
  emitter.on('error', (error: Error) => {
    const now = Date.now();
    if (!failing || now - lastLogged >= ERROR_LOG_INTERVAL_MS) {
      logger.warn(
        { err: describe(error), suppressed },
        failing ? 'redis still unavailable' : 'redis unavailable',
      );
      lastLogged = now;
      suppressed = 0;
    } else {
      suppressed += 1;
    }
    failing = true;
  });
  emitter.on('ready', () => {
    if (failing) logger.info({}, 'redis reconnected');
    failing = false;
    suppressed = 0;
  });
}

/** An error for the log: its message and code, never the connection string it may quote. */
function describe(error: Error): { message: string; code?: string } {
  const code = (error as { code?: unknown }).code;
  return { message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}
