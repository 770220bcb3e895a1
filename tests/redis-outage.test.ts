/**
 * Redis stopped and restarted under the real processes: the web process (`node bot/main.ts`) and a worker
 * (`node workers/main.ts`) on a redis-server of the test's own (no persistence, so a restart also loses
 * the queue) and one shared database. While Redis is away: questions are answered, /readyz names Redis,
 * uploads get a 503, nothing crashes. When it is back: work resumes by itself, including the document that
 * was queued in the Redis that was lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgliteServer } from './support/pglite-server.ts';
import { type ChildProcessUnderTest, killProcess, spawnProcess } from './support/processes.ts';
import { type OwnRedis, startOwnRedis, testPrefix } from './support/redis.ts';

let redis: OwnRedis;
let server: Awaited<ReturnType<typeof startPgliteServer>>;
let web: ChildProcessUnderTest;
let worker: ChildProcessUnderTest | undefined;
let baseUrl: string;
let apiKey: string;
let dataDir: string;
const prefix = testPrefix();

function env(): Record<string, string> {
  return {
    DATABASE_URL: server.url,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    DATA_DIR: dataDir,
    SEED_SAMPLE_DOCS: 'false',
    JOB_BACKOFF_MS: '100',
    JOB_LOCK_MS: '2000',
  };
}

async function startWorker(): Promise<ChildProcessUnderTest> {
  worker = spawnProcess('workers/main.ts', env());
  await worker.waitForLog((line) => line.msg === 'worker started');
  return worker;
}

beforeAll(async () => {
  redis = await startOwnRedis();
  server = await startPgliteServer(60);
  dataDir = mkdtempSync(path.join(tmpdir(), 'ex-gpt-outage-'));
  web = spawnProcess('bot/main.ts', {
    ...env(),
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_PASSWORD: 'admin-password-123',
  });
  baseUrl = (await web.waitForText(/ex-GPT is ready on (http:\/\/\S+)/, 60_000))[1]!;
  apiKey = (await web.waitForText(/API key\s+(exg_\S+)/))[1]!;
  await startWorker();
});

afterAll(async () => {
  await killProcess(worker);
  await killProcess(web);
  await redis?.stop();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function api(method: string, route: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(body instanceof FormData ? {} : body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function upload(filename: string, text: string) {
  const form = new FormData();
  form.set('collection', 'outage');
  form.set('file', new Blob([text], { type: 'text/markdown' }), filename);
  return api('POST', '/api/v1/documents', form);
}

async function documentStatus(id: string): Promise<string> {
  const { body } = await api('GET', `/api/v1/documents/${id}`);
  return (body.document as { status: string }).status;
}

async function readiness() {
  const response = await fetch(`${baseUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function documentId(result: { body: Record<string, unknown> }): string {
  return (result.body.document as { id: string }).id;
}

describe('Redis outage', () => {
  it('keeps answering, names Redis in /readyz, refuses uploads with 503, and resumes by itself', async () => {
    const first = await upload(
      'parental.md',
      '# Parental leave\n\nParents get 16 weeks of paid parental leave.',
    );
    expect(first.status).toBe(202);
    await expect.poll(() => documentStatus(documentId(first)), { timeout: 30_000 }).toBe('ready');
    expect((await readiness()).status).toBe(200);

    // A document accepted while no worker runs: it sits in Redis' queue, which the outage will lose.
    worker!.kill('SIGTERM');
    expect(await worker!.exited).toBe(0);
    const queued = await upload(
      'remote.md',
      '# Remote work\n\nYou may work remotely up to three days a week.',
    );
    expect(queued.status).toBe(202);

    await redis.stop();
    await expect.poll(() => readiness().then((r) => r.status), { timeout: 15_000 }).toBe(503);
    const down = await readiness();
    expect(down.body.failing).toEqual(['redis']);
    expect(down.body.checks).toMatchObject({ database: { ok: true }, redis: { ok: false } });

    const answer = await api('POST', '/api/v1/ask', {
      question: 'How many weeks of parental leave do parents get?',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.answered).toBe(true);
    expect(answer.body.answer).toContain('16 weeks');

    const refused = await upload('travel.md', '# Travel\n\nBook travel through the portal.');
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'unavailable' });

    // A worker started during the outage waits for Redis instead of crashing.
    const second = await startWorker();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(web.child.exitCode).toBeNull();
    expect(second.child.exitCode).toBeNull();

    await redis.start();
    await expect.poll(() => readiness().then((r) => r.status), { timeout: 15_000 }).toBe(200);
    // The document whose queue entry was lost with Redis is queued again from the database.
    await expect.poll(() => documentStatus(documentId(queued)), { timeout: 30_000 }).toBe('ready');
    const after = await upload('travel.md', '# Travel\n\nBook travel through the portal.');
    expect(after.status).toBe(202);
    await expect.poll(() => documentStatus(documentId(after)), { timeout: 30_000 }).toBe('ready');
    const remote = await api('POST', '/api/v1/ask', {
      question: 'How many days a week may I work remotely?',
    });
    expect(remote.body.answer).toContain('three days');
    expect(web.child.exitCode).toBeNull();
    expect(second.child.exitCode).toBeNull();
  });
});
