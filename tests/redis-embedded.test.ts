/**
 * Issue 12 finding 2, as deployed: REDIS_URL and no DATABASE_URL, so the web process (`node bot/main.ts`)
 * serves its embedded database from its database thread over DATA_DIR's socket, and one worker process
 * (`node workers/main.ts`) ingests through it. The repro: 5 Korean uploads of 170 KB at once. Before,
 * in 2 of 3 runs an upload never answered, /readyz stayed "database: timed out" and SIGTERM did not stop
 * the worker. Now all are answered, all become ready, /readyz stays ok, a question finds them, and
 * SIGTERM stops both processes with exit code 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProcessUnderTest, killProcess, spawnProcess } from './support/processes.ts';
import { deleteRedisKeys, REDIS_TEST_URL, requireRedis, testPrefix } from './support/redis.ts';

const prefix = testPrefix();
let workDir: string;
let web: ChildProcessUnderTest;
let worker: ChildProcessUnderTest;
let baseUrl: string;
let apiKey: string;

function env(): Record<string, string> {
  return {
    DATA_DIR: path.join(workDir, 'data'),
    REDIS_URL: REDIS_TEST_URL,
    REDIS_PREFIX: prefix,
    SEED_SAMPLE_DOCS: 'false',
    DATABASE_POOL_SIZE: '4',
  };
}

beforeAll(async () => {
  await requireRedis();
  workDir = mkdtempSync(path.join(tmpdir(), 'exgpt-redis-embedded-'));
  web = spawnProcess('bot/main.ts', { ...env(), PORT: '0', HOST: '127.0.0.1' });
  baseUrl = (await web.waitForText(/ex-GPT is ready on (http:\/\/\S+)/, 170_000))[1]!;
  apiKey = (await web.waitForText(/API key\s+(exg_\S+)/))[1]!;
  worker = spawnProcess('workers/main.ts', env());
  await worker.waitForLog((line) => line.msg === 'worker ready', 120_000);
}, 300_000);

afterAll(async () => {
  await killProcess(worker);
  await killProcess(web);
  await deleteRedisKeys(REDIS_TEST_URL, prefix).catch(() => undefined);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function api(method: string, route: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(body === undefined || body instanceof FormData ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const TEAMS = ['인사팀', '재무팀', '총무팀', '법무팀', '영업팀'];
const TOPICS = ['연차 휴가', '출장비 정산', '법인카드 사용', '재택 근무', '교육비 지원', '경조사 휴가'];

/** About 170 KB of Korean policy text; document `n` alone holds its code word and its number of days. */
function policy(n: number): string {
  const lines = [`# ${TEAMS[n]} 업무 규정`, ''];
  let i = 0;
  while (Buffer.byteLength(lines.join('\n')) < 170_000) {
    const topic = TOPICS[i % TOPICS.length]!;
    lines.push(
      `${i + 1}. ${TEAMS[n]}의 ${topic} 규정 제${i + 1}조: 신청서는 ${(i % 28) + 1}일 전까지 전자결재로 제출하며, ` +
        `팀장 승인 후 ${topic} 담당자가 ${(i % 9) + 1}영업일 안에 처리합니다.`,
    );
    i++;
  }
  lines.push(
    '',
    `${TEAMS[n]}의 보안 서약 암호는 ${['가람', '나래', '다솜', '라온', '마루'][n]}${n + 1}호입니다.`,
  );
  return lines.join('\n');
}

describe('Redis mode on the embedded database', () => {
  it('takes 5 uploads of 170 KB at once: all answered and ready, /readyz ok, SIGTERM stops both', {
    timeout: 600_000,
  }, async () => {
    const uploads = await Promise.all(
      TEAMS.map((team, n) => {
        const form = new FormData();
        form.set('collection', '규정');
        form.set('file', new Blob([policy(n)], { type: 'text/markdown' }), `${team}-규정.md`);
        return api('POST', '/api/v1/documents', form);
      }),
    );
    expect(uploads.map((u) => u.status)).toEqual([202, 202, 202, 202, 202]);
    const ids = uploads.map((u) => (u.body.document as { id: string }).id);

    const readiness: string[] = [];
    await expect
      .poll(
        async () => {
          const ready = await fetch(`${baseUrl}/readyz`);
          readiness.push(`${ready.status} ${await ready.text()}`);
          const statuses = await Promise.all(
            ids.map(async (id) => {
              const { body } = await api('GET', `/api/v1/documents/${id}`);
              return (body.document as { status: string }).status;
            }),
          );
          return statuses;
        },
        { timeout: 540_000, interval: 1000 },
      )
      .toEqual(['ready', 'ready', 'ready', 'ready', 'ready']);
    expect(readiness.filter((answer) => !answer.startsWith('200 '))).toEqual([]);

    const answer = await api('POST', '/api/v1/ask', { question: '총무팀 보안 서약 암호는 무엇인가요?' });
    expect(answer.status).toBe(200);
    expect(answer.body.answer).toContain('다솜3호');

    worker.kill('SIGTERM');
    web.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await web.exited).toBe(0);
  });
});
