/**
 * Bounds how many password hashes run at once. argon2 is made to be expensive: without a bound, a flood of
 * wrong logins takes every libuv thread and the CPU that answering questions needs. Callers beyond the
 * running ones and a short queue are refused at once (429) instead of piling up.
 */
import { AppError } from '#core';

export interface HashGate {
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createHashGate(options: { concurrency: number; queue: number }): HashGate {
  let running = 0;
  const waiting: (() => void)[] = [];

  function release(): void {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }

  return {
    async run(work) {
      if (running < options.concurrency) running += 1;
      else if (waiting.length < options.queue) await new Promise<void>((resolve) => waiting.push(resolve));
      else {
        throw new AppError(
          'rate_limited',
          'Too many sign-in attempts right now. Try again in a few seconds.',
          {
            details: { retryAfterSeconds: 5 },
          },
        );
      }
      // A released slot passes straight to the next waiter, so `running` already counts it.
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}
