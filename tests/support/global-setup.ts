/**
 * What `npm test` needs, started by the test run itself so a newcomer starts nothing by hand:
 * - a throwaway redis-server on a free loopback port, unless REDIS_TEST_URL names one;
 * - a throwaway real PostgreSQL 15 + pgvector through `../shared/scripts/real-postgres`, unless
 *   TEST_DATABASE_URL names one (a superuser URL: each test file creates and drops its own database).
 * Both are stopped when the run ends. The URLs reach the test processes through the environment.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, requireRedis } from './redis.ts';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REAL_POSTGRES_SCRIPT =
  process.env.REAL_POSTGRES_SCRIPT ?? path.resolve(repo, '../shared/scripts/real-postgres');

export default async function setup(): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  try {
    if (!process.env.REDIS_TEST_URL) {
      const redis = await startRedis();
      stops.push(redis.stop);
      process.env.REDIS_TEST_URL = redis.url;
    }
    if (!process.env.TEST_DATABASE_URL) {
      const postgres = await startRealPostgres();
      stops.push(postgres.stop);
      process.env.TEST_DATABASE_URL = postgres.url;
    }
  } catch (error) {
    for (const stop of stops.reverse()) await stop();
    throw error;
  }
  return async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
}

async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error(
      'npm test starts its own Redis and needs redis-server: `sudo apt-get install redis-server` (or set REDIS_TEST_URL to a running one).',
    );
  }
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let lastError: unknown;
  for (let i = 0; i < 100; i++) {
    try {
      await requireRedis(url);
      return {
        url,
        async stop() {
          child.kill('SIGTERM');
          await exited;
        },
      };
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}: ${String(lastError)}`);
}

async function startRealPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  if (!existsSync(REAL_POSTGRES_SCRIPT)) {
    throw new Error(
      `npm test runs every database test on real PostgreSQL too and starts it with ${REAL_POSTGRES_SCRIPT}, which is missing: set REAL_POSTGRES_SCRIPT to it, or TEST_DATABASE_URL to a PostgreSQL 15+ superuser URL with pgvector 0.8+.`,
    );
  }
  // Not mkdtemp: the server runs as the `postgres` user, which cannot enter a private (0700) parent.
  const dir = path.join(tmpdir(), `ex-gpt-test-pg-${randomUUID().slice(0, 8)}`);
  mkdirSync(dir, { mode: 0o755 });
  const stop = async () => {
    await run(REAL_POSTGRES_SCRIPT, ['stop', dir]);
  };
  try {
    const { stdout } = await run(REAL_POSTGRES_SCRIPT, ['start', dir], { timeout: 600_000 });
    const url = /DATABASE_URL=(\S+?);/.exec(stdout)?.[1];
    if (!url) throw new Error(`real-postgres printed no DATABASE_URL: ${stdout}`);
    return { url, stop };
  } catch (error) {
    await stop().catch(() => {});
    const detail = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`Could not start the real PostgreSQL for the tests: ${detail || String(error)}`);
  }
}
