import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.ts';

/** A flush that takes a turn of the event loop, like a transaction, and records the batches it saw. */
function recordingFlush(fail: (item: number) => boolean = () => false) {
  const batches: number[][] = [];
  const flush = async (items: readonly number[]) => {
    batches.push([...items]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const bad = items.find(fail);
    if (bad !== undefined) throw new Error(`item ${bad} is bad`);
    return items.map((item) => item * 10);
  };
  return { batches, flush };
}

describe('group commit', () => {
  it('groups the calls made together, up to the batch size, and flushes a lone call alone', async () => {
    const { batches, flush } = recordingFlush();
    const submit = createGroupCommit(flush, { maxBatch: 3 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((item) => submit(item)));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(await submit(7)).toBe(70);
    expect(batches.at(-1)).toEqual([7]);
  });

  it('groups the calls that arrive while a flush runs', async () => {
    const { batches, flush } = recordingFlush();
    const submit = createGroupCommit(flush, { maxBatch: 10 });
    const first = submit(1);
    await new Promise((resolve) => setTimeout(resolve, 1)); // the flush of [1] is under way
    const later = [2, 3, 4].map((item) => submit(item));
    expect(await Promise.all([first, ...later])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('callers resumed by separate macrotasks join one flush, even when flushing is all microtasks', async () => {
    // Like an embedded database, whose transaction never yields to the event loop: a flush started at
    // the first call would end before the second caller (a thread's reply, a socket read) ever ran.
    const batches: number[][] = [];
    const submit = createGroupCommit(
      async (items: readonly number[]) => {
        batches.push([...items]);
        for (let i = 0; i < 100; i++) await null;
        return items;
      },
      { maxBatch: 10 },
    );
    const fromMacrotask = (item: number) =>
      new Promise((resolve) => setImmediate(() => resolve(submit(item))));
    expect(await Promise.all([1, 2, 3].map(fromMacrotask))).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('retries a failed batch one call at a time, so only the bad call fails', async () => {
    const { batches, flush } = recordingFlush((item) => item === 3);
    const submit = createGroupCommit(flush, { maxBatch: 10 });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((item) => submit(item)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      10,
      20,
      'item 3 is bad',
      40,
    ]);
    expect(batches).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
  });

  it('bounds a flush by weight: heavy calls go in smaller batches, one too heavy alone', async () => {
    const { batches, flush } = recordingFlush();
    const submit = createGroupCommit(flush, { maxBatch: 10, maxWeight: 100, weigh: (item) => item });
    await Promise.all([40, 50, 30, 500, 20].map((item) => submit(item)));
    expect(batches).toEqual([[40, 50], [30], [500], [20]]);
  });

  it('gives the event loop a turn between flushes of a backlog, even when flushing is all microtasks', async () => {
    const ticks: string[] = [];
    const submit = createGroupCommit(
      async (items: readonly number[]) => {
        ticks.push(`flush ${items.join(',')}`);
        for (let i = 0; i < 100; i++) await null;
        return items;
      },
      { maxBatch: 2 },
    );
    let running = true;
    const tick = () => {
      ticks.push('macrotask');
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    await Promise.all([1, 2, 3, 4, 5, 6].map((item) => submit(item)));
    running = false;
    // Another macrotask (an HTTP request, a timer) ran between the flushes.
    const flushes = ticks.flatMap((tick, i) => (tick.startsWith('flush') ? [i] : []));
    expect(flushes).toHaveLength(3);
    expect(ticks.slice(flushes[0]!, flushes[2]!)).toContain('macrotask');
  });
});
