/**
 * RateLimitStore on Redis: one count per key for every web process. INCR and the window's expiry run in
 * one Lua script, so two processes counting the first hit at once still set exactly one window.
 * When Redis is away the count cannot be shared; the store then counts in memory (logged once), so sign-in
 * and questions keep working and the database lockout still holds.
 */
import { Redis } from 'ioredis';
import { createMemoryRateLimitStore, type Logger, type RateLimitStore } from '#core';

const HIT = `local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

export function createRedisRateLimitStore(options: {
  url: string;
  prefix: string;
  logger: Logger;
}): RateLimitStore & { close(): Promise<void> } {
  // The offline queue lets the first hits wait for the connection; the timeout keeps a sign-in from
  // hanging on a Redis that is away.
  const redis = new Redis(options.url, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
  redis.on('error', () => {});
  const fallback = createMemoryRateLimitStore();
  let warned = false;
  const keyOf = (key: string) => `${options.prefix}:rate:${key}`;
  const degrade = (error: unknown) => {
    if (!warned) options.logger.warn({ err: error }, 'rate limits counted per process: Redis not reachable');
    warned = true;
  };
  return {
    async hit(key, windowMs) {
      try {
        const [count, ttl] = (await redis.eval(HIT, 1, keyOf(key), String(windowMs))) as [number, number];
        warned = false;
        return { count, resetInMs: ttl };
      } catch (error) {
        degrade(error);
        return fallback.hit(key, windowMs);
      }
    },
    async reset(key) {
      await fallback.reset(key);
      try {
        await redis.del(keyOf(key));
      } catch (error) {
        degrade(error);
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
