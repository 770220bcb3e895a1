/**
 * Redis for the tests that are about BullMQ. The test run's global setup (tests/support/global-setup.ts)
 * starts a throwaway redis-server and exports REDIS_TEST_URL, unless REDIS_TEST_URL already names one.
 * When Redis is not there these tests FAIL, with a message saying how to start it: they are never skipped.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

/** Throws a clear error unless Redis answers at `url`. */
export async function requireRedis(url: string = REDIS_TEST_URL): Promise<string> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return url;
  } catch (error) {
    throw new Error(
      `These tests need Redis at ${url} (${error instanceof Error ? error.message : String(error)}). ` +
        '`npm test` starts one itself (it needs redis-server: `sudo apt-get install redis-server`), or point REDIS_TEST_URL at yours.',
    );
  } finally {
    client.disconnect();
  }
}

/** A key prefix of its own for one test: queues and channels of parallel tests never meet. */
export function testPrefix(): string {
  return `ex-gpt-test-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key under `prefix` (a test cleaning up after itself). */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } catch {
    // Best effort: a stopped test Redis has nothing to clean.
  } finally {
    client.disconnect();
  }
}

export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  /** Starts (or restarts) the server on the same port. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free loopback port, without persistence, for tests that stop and
 * restart Redis. Needs the `redis-server` binary (`.ci/run` installs it; `apt-get install redis-server`).
 */
export async function startOwnRedis(): Promise<OwnRedis> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error(
      'This test starts its own Redis and needs the redis-server binary: apt-get install redis-server',
    );
  }
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const own: OwnRedis = {
    url,
    port,
    async start() {
      if (child) return;
      const started = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      child = started;
      started.once('exit', () => {
        if (child === started) child = undefined;
      });
      for (let i = 0; i < 100; i++) {
        try {
          await requireRedis(url);
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      throw new Error(`redis-server did not start on port ${port}`);
    },
    async stop() {
      const running = child;
      if (!running) return;
      child = undefined;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
  };
  await own.start();
  return own;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
