import { describe, expect, it } from 'vitest';
import { isAppError } from '#core';
import { createHashGate } from './hash-gate.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('hash gate', () => {
  it('runs at most `concurrency` at once, queues a few, and refuses the rest with rate_limited', async () => {
    const gate = createHashGate({ concurrency: 2, queue: 1 });
    const started: number[] = [];
    const release = [deferred(), deferred(), deferred()];
    const runs = [0, 1, 2].map((i) =>
      gate.run(async () => {
        started.push(i);
        await release[i]!.promise;
        return i;
      }),
    );
    const refused = await gate.run(async () => 99).catch((error: unknown) => error);
    expect(isAppError(refused) && refused.code).toBe('rate_limited');
    await Promise.resolve();
    expect(started).toEqual([0, 1]);

    release[0]!.resolve();
    expect(await runs[0]).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    release[1]!.resolve();
    release[2]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    // Freed slots are usable again, even after a failing job.
    await expect(gate.run(async () => Promise.reject(new Error('argon2 failed')))).rejects.toThrow();
    expect(await gate.run(async () => 'again')).toBe('again');
    expect(await gate.run(async () => 'and again')).toBe('and again');
  });
});
