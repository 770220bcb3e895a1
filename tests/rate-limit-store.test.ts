/**
 * One suite for the RateLimitStore port, run against both adapters: in memory (one web process) and Redis
 * (several). With Redis, two stores stand for two web processes: a limit holds across them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimitStore, type RateLimitStore } from '#core';
import { createRateLimiter as createLoginLimiter } from '../admin/api/rate-limiter.ts';
import { createRateLimiter as createChatLimiter } from '../bot/conversation/rate-limiter.ts';
import { createRedisRateLimitStore } from '../workers/redis-rate-limit-store.ts';
import { silentLogger } from './support/engine.ts';
import { deleteRedisKeys, REDIS_TEST_URL, requireRedis, testPrefix } from './support/redis.ts';

interface Pair {
  /** The store as two web processes see it (the same object for the in-memory adapter). */
  readonly a: RateLimitStore;
  readonly b: RateLimitStore;
  close(): Promise<void>;
}

const adapters: Record<string, () => Promise<Pair>> = {
  memory: async () => {
    const store = createMemoryRateLimitStore();
    return { a: store, b: store, close: async () => {} };
  },
  redis: async () => {
    await requireRedis();
    const prefix = testPrefix();
    const a = createRedisRateLimitStore({ url: REDIS_TEST_URL, prefix, logger: silentLogger });
    const b = createRedisRateLimitStore({ url: REDIS_TEST_URL, prefix, logger: silentLogger });
    return {
      a,
      b,
      async close() {
        await a.close();
        await b.close();
        await deleteRedisKeys(REDIS_TEST_URL, prefix);
      },
    };
  },
};

describe.each(Object.keys(adapters))('rate limits in %s', (name) => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await adapters[name]!();
  });
  afterAll(async () => {
    await pair.close();
  });

  it('counts sign-in attempts for one Korean e-mail across processes and says when to retry', async () => {
    const email = '김민지@회사.kr';
    const onA = createLoginLimiter({ limit: 3, windowMs: 60_000, scope: 'login-email', store: pair.a });
    const onB = createLoginLimiter({ limit: 3, windowMs: 60_000, scope: 'login-email', store: pair.b });
    expect((await onA.take(email)).ok).toBe(true);
    expect((await onB.take(email)).ok).toBe(true);
    expect((await onA.take(email)).ok).toBe(true);
    const fourth = await onB.take(email);
    expect(fourth.ok).toBe(false);
    expect(fourth.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(fourth.retryAfterSeconds).toBeLessThanOrEqual(60);
    // Another address or e-mail has its own count.
    expect((await onA.take('이서준@회사.kr')).ok).toBe(true);
    // A successful sign-in on one process clears the count on all.
    await onA.reset(email);
    expect((await onB.take(email)).ok).toBe(true);
  });

  it('limits chat questions per user whichever process the platform reaches, apart from sign-ins', async () => {
    const user = 'slack:T1:U한국어';
    const onA = createChatLimiter({ limit: 2, windowMs: 60_000, store: pair.a });
    const onB = createChatLimiter({ limit: 2, windowMs: 60_000, store: pair.b });
    const login = createLoginLimiter({ limit: 1, windowMs: 60_000, scope: 'login-email', store: pair.a });
    expect(await onA.take(user)).toEqual({ allowed: true });
    expect((await login.take(user)).ok).toBe(true);
    expect(await onB.take(user)).toEqual({ allowed: true });
    const third = await onA.take(user);
    expect(third.allowed).toBe(false);
    if (!third.allowed) expect(third.retryAfterMs).toBeGreaterThan(0);
  });

  it('starts a new window once the old one has passed', async () => {
    const limiter = createChatLimiter({ limit: 1, windowMs: 200, store: pair.a });
    expect(await limiter.take('window')).toEqual({ allowed: true });
    expect((await limiter.take('window')).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await limiter.take('window')).toEqual({ allowed: true });
  });
});
