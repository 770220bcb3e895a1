/**
 * Per-user rate limit for chat questions: a sliding window of the last `limit` question times per key.
 * In-process: with several web processes each allows `limit`, which is fine for a courtesy limit.
 */
export interface RateLimiter {
  /** Counts one question for `key`; when over the limit, says how long until the next one is allowed. */
  take(key: string): { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };
}

export interface RateLimiterOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly now?: () => number;
  /** Keys kept at most; the least recently seen are forgotten first. */
  readonly maxKeys?: number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 10_000;
  const seen = new Map<string, number[]>();
  return {
    take(key) {
      const t = now();
      const times = (seen.get(key) ?? []).filter((at) => t - at < options.windowMs);
      seen.delete(key);
      if (times.length >= options.limit) {
        seen.set(key, times);
        return { allowed: false, retryAfterMs: options.windowMs - (t - times[0]!) };
      }
      times.push(t);
      seen.set(key, times);
      if (seen.size > maxKeys) seen.delete(seen.keys().next().value!);
      return { allowed: true };
    },
  };
}
