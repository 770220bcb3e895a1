/**
 * Group commit: calls that arrive while a flush is running wait for it and are then flushed together,
 * in one transaction, by the next. A lone call is flushed on the next turn of the event loop; under
 * load, the cost per call of a transaction (locks, statistics rows, statement round trips) is shared.
 * When a batch fails, its calls are retried one at a time, so each caller gets its own outcome and one
 * bad item never fails the others.
 */
export interface GroupCommitOptions<Item> {
  /** The most calls flushed together; more wait for the next flush. */
  readonly maxBatch: number;
  /**
   * The most total weight (e.g. chunks) flushed together, or a function giving it at each flush (a
   * learned budget); a single heavier call is flushed alone. Bounds how long one flush holds the
   * embedded database, which serves HTTP on the same thread.
   */
  readonly maxWeight?: number | (() => number);
  readonly weigh?: (item: Item) => number;
}

export function createGroupCommit<Item, Result>(
  flush: (items: readonly Item[]) => Promise<readonly Result[]>,
  { maxBatch, maxWeight = Number.POSITIVE_INFINITY, weigh = () => 1 }: GroupCommitOptions<Item>,
): (item: Item) => Promise<Result> {
  interface Waiting {
    readonly item: Item;
    readonly resolve: (result: Result) => void;
    readonly reject: (error: unknown) => void;
  }
  const waiting: Waiting[] = [];
  let flushing = false;

  async function flushOne(entry: Waiting): Promise<void> {
    try {
      const [result] = await flush([entry.item]);
      entry.resolve(result as Result);
    } catch (error) {
      entry.reject(error);
    }
  }

  function takeBatch(): Waiting[] {
    const limit = typeof maxWeight === 'function' ? maxWeight() : maxWeight;
    let count = 0;
    let weight = 0;
    while (count < Math.min(maxBatch, waiting.length)) {
      weight += weigh(waiting[count]!.item);
      if (count > 0 && weight > limit) break;
      count++;
    }
    return waiting.splice(0, count);
  }

  async function drain(): Promise<void> {
    flushing = true;
    try {
      for (let first = true; waiting.length > 0; first = false) {
        // A turn of the event loop between flushes: a backlog must not hold HTTP for all its flushes.
        if (!first) await new Promise((resolve) => setImmediate(resolve));
        const batch = takeBatch();
        if (batch.length === 1) {
          await flushOne(batch[0]!);
          continue;
        }
        try {
          const results = await flush(batch.map((entry) => entry.item));
          for (const [i, entry] of batch.entries()) entry.resolve(results[i] as Result);
        } catch {
          for (const entry of batch) await flushOne(entry);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (flushing) return;
      // Started on the next turn of the event loop, not at once: the embedded database runs a whole
      // transaction in microtasks, so callers resumed by a macrotask (a parsing thread's reply, a socket)
      // could otherwise never join a flush, and every flush would carry a single call.
      flushing = true;
      setImmediate(() => void drain());
    });
}
