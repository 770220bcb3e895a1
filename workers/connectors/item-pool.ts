/**
 * A sync run's items in flight: at most `limit` at once, so one item's download overlaps another's
 * ingestion. Items that share an external id run one after the other, in the order they were listed (a
 * delta page may name an item twice). The first failure stops new items from starting; `drain` waits for
 * those still running and then throws it, so nothing is left half-written behind a failed run.
 */
export interface ItemPool {
  /** Waits for a free place (or for the earlier item with the same key), then starts `task`. */
  start(key: string, task: () => Promise<void>): Promise<void>;
  /** Waits for every started item; throws the first failure, if any. */
  drain(): Promise<void>;
}

export function createItemPool(limit: number): ItemPool {
  const running = new Set<Promise<void>>();
  // The last task started for each key, so the next one for that key waits for it.
  const lastOfKey = new Map<string, Promise<void>>();
  let failure: { readonly error: unknown } | null = null;

  const throwIfFailed = () => {
    if (failure) throw failure.error;
  };

  return {
    async start(key, task) {
      throwIfFailed();
      while (running.size >= Math.max(1, limit)) await Promise.race(running);
      throwIfFailed();
      const before = lastOfKey.get(key);
      const settled: Promise<void> = (async () => {
        if (before) await before;
        if (failure) return;
        try {
          await task();
        } catch (error) {
          failure ??= { error };
        }
      })().finally(() => {
        running.delete(settled);
        if (lastOfKey.get(key) === settled) lastOfKey.delete(key);
      });
      running.add(settled);
      lastOfKey.set(key, settled);
    },

    async drain() {
      while (running.size > 0) await Promise.all(running);
      throwIfFailed();
    },
  };
}

/** `map` over `items` with at most `limit` calls at once; results in the items' order; the first failure rejects. */
export async function mapInOrder<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await map(items[index]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  const settled = await Promise.allSettled(workers);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}
