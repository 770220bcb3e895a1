/**
 * Sign-in attempts per address and per e-mail, counted in a RateLimitStore: in memory for one web process,
 * in Redis when several serve behind one load balancer (so an attacker cannot multiply the limit by the
 * number of processes). The account lockout in the database holds across processes either way.
 */
import { createMemoryRateLimitStore, type RateLimitStore } from '#core';

export interface RateLimiter {
  /** Counts one attempt; `ok` is false once the key is over its limit in the current window. */
  take(key: string): Promise<{ ok: boolean; retryAfterSeconds: number }>;
  reset(key: string): Promise<void>;
}

export function createRateLimiter(options: {
  limit: number;
  windowMs: number;
  /** Keeps this limiter's keys apart from others in a shared store. */
  scope: string;
  store?: RateLimitStore;
  now?: () => number;
  maxKeys?: number;
}): RateLimiter {
  const store =
    options.store ??
    createMemoryRateLimitStore({
      ...(options.now ? { now: options.now } : {}),
      ...(options.maxKeys ? { maxKeys: options.maxKeys } : {}),
    });
  const keyOf = (key: string) => `${options.scope}:${key}`;
  return {
    async take(key) {
      const { count, resetInMs } = await store.hit(keyOf(key), options.windowMs);
      const ok = count <= options.limit;
      return { ok, retryAfterSeconds: ok ? 0 : Math.max(1, Math.ceil(resetInMs / 1000)) };
    },
    async reset(key) {
      await store.reset(keyOf(key));
    },
  };
}
