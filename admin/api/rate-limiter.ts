/**
 * A fixed-window counter per key, in memory. Good enough for one web process (the design's shape);
 * the account lockout in the database is what holds across processes.
 */
export interface RateLimiter {
  /** Counts one attempt; `ok` is false once the key is over its limit in the current window. */
  take(key: string): { ok: boolean; retryAfterSeconds: number };
  reset(key: string): void;
}

export function createRateLimiter(options: {
  limit: number;
  windowMs: number;
  now?: () => number;
  maxKeys?: number;
}): RateLimiter {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 10_000;
  const windows = new Map<string, { count: number; resetAt: number }>();

  function sweep(at: number): void {
    for (const [key, window] of windows) if (window.resetAt <= at) windows.delete(key);
    // Still full (an attack from many addresses): forget the oldest rather than grow without bound.
    while (windows.size >= maxKeys) {
      const oldest = windows.keys().next().value;
      if (oldest === undefined) break;
      windows.delete(oldest);
    }
  }

  return {
    take(key) {
      const at = now();
      let window = windows.get(key);
      if (!window || window.resetAt <= at) {
        if (windows.size >= maxKeys) sweep(at);
        window = { count: 0, resetAt: at + options.windowMs };
        windows.set(key, window);
      }
      window.count += 1;
      const ok = window.count <= options.limit;
      return { ok, retryAfterSeconds: ok ? 0 : Math.max(1, Math.ceil((window.resetAt - at) / 1000)) };
    },
    reset(key) {
      windows.delete(key);
    },
  };
}
