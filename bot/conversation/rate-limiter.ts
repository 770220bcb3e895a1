/**
 * Per-user rate limit for chat questions: at most `limit` questions per window, counted in a RateLimitStore
 * (in memory for one web process, Redis when several share the load, so the limit is the same whichever
 * process Slack or Teams reaches).
 */
import { createMemoryRateLimitStore, type RateLimitStore } from '#core';

export interface RateLimiter {
  /** Counts one question for `key`; when over the limit, says how long until the next one is allowed. */
  take(
    key: string,
  ): Promise<{ readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number }>;
}

export interface RateLimiterOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly store?: RateLimitStore;
  readonly now?: () => number;
  /** Keys kept at most by the in-memory store; the oldest are forgotten first. */
  readonly maxKeys?: number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const store =
    options.store ??
    createMemoryRateLimitStore({
      ...(options.now ? { now: options.now } : {}),
      ...(options.maxKeys ? { maxKeys: options.maxKeys } : {}),
    });
  return {
    async take(key) {
      const { count, resetInMs } = await store.hit(`chat:${key}`, options.windowMs);
      if (count <= options.limit) return { allowed: true };
      return { allowed: false, retryAfterMs: Math.max(1, resetInMs) };
    },
  };
}
