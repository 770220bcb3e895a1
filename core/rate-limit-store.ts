/**
 * Counting attempts per key in fixed windows (login attempts, chat questions). The port is async so that
 * every web process can share one count: Redis in a real deployment (workers/redis-rate-limit-store.ts),
 * this in-memory adapter when there is only one process (the embedded default) or in unit tests.
 */
export interface RateLimitStore {
  /** Counts one hit on `key` in its current `windowMs` window; the count includes this hit. */
  hit(key: string, windowMs: number): Promise<{ readonly count: number; readonly resetInMs: number }>;
  /** Forgets `key`'s window (a successful sign-in clears the failures counted against the e-mail). */
  reset(key: string): Promise<void>;
}

export function createMemoryRateLimitStore(
  options: { now?: () => number; maxKeys?: number } = {},
): RateLimitStore {
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
    async hit(key, windowMs) {
      const at = now();
      let window = windows.get(key);
      if (!window || window.resetAt <= at) {
        if (windows.size >= maxKeys) sweep(at);
        window = { count: 0, resetAt: at + windowMs };
        windows.set(key, window);
      }
      window.count += 1;
      return { count: window.count, resetInMs: window.resetAt - at };
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}
