/**
 * Ingestion progress across processes: workers publish on a Redis channel, the web process subscribes
 * (for the admin API's live subscription). Best effort like the port says: while Redis is away events
 * are dropped, never queued, and the document row stays the truth.
 */
import type { Redis } from 'ioredis';
import type { DocumentProgressEvent, Logger, ProgressFeed } from '#core';
import { DEFAULT_REDIS_PREFIX } from './bullmq-queue.ts';
import { createRedisClient } from './redis-connection.ts';

export interface RedisProgressFeedOptions {
  readonly url: string;
  readonly prefix?: string | undefined;
  readonly logger: Logger;
}

export function progressChannel(prefix: string = DEFAULT_REDIS_PREFIX): string {
  return `${prefix}:document-progress`;
}

export function createRedisProgressFeed(options: RedisProgressFeedOptions): ProgressFeed & {
  /** Resolves once the subscription is in place (tests wait for it before publishing). */
  subscribed(): Promise<void>;
  /** Resolves once events published are sent rather than dropped. */
  connected(): Promise<void>;
} {
  const logger = options.logger.child({ component: 'progress-feed' });
  const channel = progressChannel(options.prefix);
  const listeners = new Set<(event: DocumentProgressEvent) => void>();
  const publisher = createRedisClient({
    url: options.url,
    logger,
    name: 'ex-gpt-progress-pub',
    failFast: true,
  });
  let subscriber: Redis | undefined;
  let subscription: Promise<void> | undefined;

  function subscribe(): Promise<void> {
    if (subscription) return subscription;
    const client = createRedisClient({
      url: options.url,
      logger,
      name: 'ex-gpt-progress-sub',
      failFast: false,
    });
    subscriber = client;
    client.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      let event: DocumentProgressEvent;
      try {
        event = JSON.parse(message) as DocumentProgressEvent;
      } catch {
        return;
      }
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          logger.warn({ err: error }, 'progress listener failed');
        }
      }
    });
    // ioredis re-subscribes by itself after a reconnection.
    subscription = client.subscribe(channel).then(
      () => undefined,
      (error: unknown) => logger.warn({ err: error }, 'progress subscription failed'),
    );
    return subscription;
  }

  return {
    publish(event) {
      if (publisher.status !== 'ready') return;
      publisher.publish(channel, JSON.stringify(event)).catch(() => {
        // Dropped: the connection logs the outage, the document row keeps the progress.
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      void subscribe();
      return () => listeners.delete(listener);
    },
    subscribed: () => subscribe(),
    connected: () =>
      publisher.status === 'ready'
        ? Promise.resolve()
        : new Promise((resolve) => publisher.once('ready', resolve)),
    async close() {
      listeners.clear();
      publisher.disconnect();
      subscriber?.disconnect();
    },
  };
}
