/**
 * The scale-out deployment as it runs: 2 web processes (`node bot/main.ts`) and 2 workers
 * (`node workers/main.ts`), all started at once on one fresh real PostgreSQL database and one Redis. They
 * behave as one service: start-up migrations and the first admin happen once; sign-in limits count across
 * processes; a Slack retry that reaches the other process is answered once; console progress arrives on
 * whichever process the browser talks to; the recurring jobs are scheduled once; and a process that is
 * shutting down says 503 on /readyz while the other keeps answering (a rolling upgrade).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindChannel, type Database, ensureCollection, openDatabase, rows } from '#db';
import { signSlackRequest } from '../bot/slack/index.ts';
import { migrationsFolder } from '../db/client.ts';
import { QUEUE_NAME } from '../workers/bullmq-queue.ts';
import { type FakeSlack, startFakeSlack } from './fakes/slack-api.ts';
import { createServerDatabase } from './support/databases.ts';
import { type ChildProcessUnderTest, killProcess, spawnProcess } from './support/processes.ts';
import { deleteRedisKeys, REDIS_TEST_URL, requireRedis, testPrefix } from './support/redis.ts';
import { BOT_TOKEN, BOT_USER_ID, fixture, PEOPLE, SIGNING_SECRET, TEAM_ID } from './support/slack.ts';

const prefix = testPrefix();
const dataDir = mkdtempSync(path.join(tmpdir(), 'ex-gpt-scale-out-'));
const CSRF = { 'x-exgpt-csrf': '1', 'content-type': 'application/json' };
let created: Awaited<ReturnType<typeof createServerDatabase>>;
let database: Database;
let slack: FakeSlack;
let webs: ChildProcessUnderTest[] = [];
let workers: ChildProcessUnderTest[] = [];
let urls: string[] = [];
let apiKey: string;

function env(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: created.url,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: REDIS_TEST_URL,
    REDIS_PREFIX: prefix,
    DATA_DIR: path.join(dataDir, name),
    SEED_SAMPLE_DOCS: 'false',
    ADMIN_EMAIL: 'admin@example.com',
    ADMIN_PASSWORD: 'admin-password-123',
    JWT_SECRET: 'a-shared-secret-of-at-least-thirty-two-characters',
    LOGIN_RATE_LIMIT_PER_MINUTE: '3',
    // The test plays clients at several addresses through X-Forwarded-For, as a proxy on loopback would.
    TRUST_PROXY: 'loopback',
    LOGIN_MAX_FAILURES: '100',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.url,
    ...extra,
  };
}

beforeAll(async () => {
  await requireRedis();
  created = await createServerDatabase();
  slack = await startFakeSlack({ token: BOT_TOKEN, botUserId: BOT_USER_ID, teamId: TEAM_ID, users: PEOPLE });
  // All four at once on the empty database: migrations and the first admin race here.
  webs = ['web-a', 'web-b'].map((name, i) =>
    spawnProcess(
      'bot/main.ts',
      env(name, { PORT: '0', HOST: '127.0.0.1', ...(i === 0 ? { SHUTDOWN_DRAIN_MS: '5000' } : {}) }),
    ),
  );
  workers = ['worker-a', 'worker-b'].map((name) => spawnProcess('workers/main.ts', env(name)));
  urls = await Promise.all(
    webs.map(async (web) => (await web.waitForText(/ex-GPT is ready on (http:\/\/\S+)/, 120_000))[1]!),
  );
  await Promise.all(
    workers.map((worker) => worker.waitForLog((line) => line.msg === 'worker started', 120_000)),
  );
  // Exactly one of the web processes created the admin and printed its API key. The key comes after the
  // ready banner and a database read, so it is waited for (checking right after the banner failed at load 8).
  await Promise.any(webs.map((web) => web.waitForText(/API key\s+(exg_\S+)/, 60_000)));
  const printed = webs.map((web) => /API key\s+(exg_\S+)/.exec(web.output())?.[1]).filter(Boolean);
  expect(printed).toHaveLength(1);
  apiKey = printed[0]!;
  database = await openDatabase({ url: created.url, poolSize: 2, migrate: false });
  // Four processes starting on a loaded machine take longer than the default hook timeout.
}, 240_000);

afterAll(async () => {
  for (const each of [...webs, ...workers]) await killProcess(each);
  await database?.close();
  await slack?.close();
  await created?.drop();
  await deleteRedisKeys(REDIS_TEST_URL, prefix);
  rmSync(dataDir, { recursive: true, force: true });
});

async function graphql(url: string, query: string, variables: Record<string, unknown>, ip: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { ...CSRF, 'x-forwarded-for': ip },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: Record<string, { token?: string } | null>;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

const LOGIN =
  'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }';

async function sendSlack(url: string, body: string, headers: Record<string, string> = {}) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signSlackRequest(SIGNING_SECRET, timestamp, body),
      ...headers,
    },
    body,
  });
  return response.status;
}

describe('two web processes and two workers on one PostgreSQL and Redis', () => {
  it('migrated once while all four started together, and bootstrapped one admin', async () => {
    const applied = await rows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    const files = readdirSync(migrationsFolder).filter((file) => file.endsWith('.sql'));
    expect(applied[0]?.n).toBe(files.length);
    const admins = await rows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from users where role = 'admin'`,
    );
    expect(admins[0]?.n).toBe(1);
  });

  it('counts sign-in attempts across processes: the fourth is refused though each saw two', async () => {
    const email = '김민지@회사.kr';
    const outcomes: (string | undefined)[] = [];
    for (const url of [urls[0]!, urls[1]!, urls[0]!, urls[1]!]) {
      const result = await graphql(url, LOGIN, { email, password: '틀린 비밀번호입니다' }, '10.0.0.7');
      outcomes.push(result.errors?.[0]?.extensions?.code);
    }
    expect(outcomes.slice(0, 3)).not.toContain('rate_limited');
    expect(outcomes[3]).toBe('rate_limited');
  });

  it('answers a Slack event once when its retry reaches the other process', async () => {
    const db = database.db;
    const { collection } = await ensureCollection(db, {
      name: '인사 규정',
      everyone: true,
      readerGroupIds: [],
    });
    await bindChannel(db, {
      platform: 'slack',
      workspaceId: TEAM_ID,
      channelId: 'C111',
      collectionIds: [collection.id],
      replyMode: 'mention',
    });
    const body = fixture('event_app_mention.json');
    expect(await sendSlack(urls[0]!, body)).toBe(200);
    await slack.waitFor((calls) => calls.some((call) => call.method === 'chat.startStream'), 30_000);
    expect(
      await sendSlack(urls[1]!, body, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
    ).toBe(200);
    // Another event after the retry on the same process: once it is answered, the retry was handled too.
    const other = JSON.parse(body) as { event_id: string; event: Record<string, unknown> };
    other.event_id = 'Ev-after-retry';
    other.event.ts = '1700000000.000200';
    other.event.event_ts = '1700000000.000200';
    expect(await sendSlack(urls[1]!, JSON.stringify(other))).toBe(200);
    await slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.startStream').length >= 2, 30_000);
    await slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.stopStream').length >= 2, 30_000);
    expect(slack.callsTo('chat.startStream')).toHaveLength(2);
  });

  it('shows progress on the other web process than the one that took the upload', async () => {
    const login = await graphql(
      urls[1]!,
      LOGIN,
      { email: 'admin@example.com', password: 'admin-password-123' },
      '10.0.0.8',
    );
    const token = login.data?.login?.token;
    expect(token).toBeTruthy();
    const controller = new AbortController();
    const stream = await fetch(`${urls[1]}/graphql`, {
      method: 'POST',
      headers: { ...CSRF, accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'subscription { documentProgress { documentId status } }' }),
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();

    const form = new FormData();
    form.set('collection', '인사 규정');
    form.set(
      'file',
      new Blob(['# 연차 휴가\n\n입사 1년이 지난 직원은 연차 휴가 15일을 받습니다.'], {
        type: 'text/markdown',
      }),
      '연차-휴가.md',
    );
    const upload = await fetch(`${urls[0]}/api/v1/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}` },
      body: form,
    });
    expect(upload.status).toBe(202);
    const documentId = ((await upload.json()) as { document: { id: string } }).document.id;

    let seen = '';
    while (!seen.includes(`"documentId":"${documentId}","status":"ready"`)) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
    controller.abort();
    expect(seen).toContain(`"documentId":"${documentId}","status":"ready"`);

    // Either web process answers from it, with the citation.
    const ask = await fetch(`${urls[1]}/api/v1/ask`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ question: '입사 1년이 지난 직원의 연차 휴가는 며칠인가요?' }),
    });
    const answer = (await ask.json()) as { answer: string; sources: { title: string }[] };
    expect(answer.answer, JSON.stringify(answer)).toContain('15일');
    expect(answer.sources.map((source) => source.title)).toContain('연차 휴가');
  });

  it('schedules each recurring job once, however many processes registered it', async () => {
    const queue = new Queue(QUEUE_NAME, { connection: { url: REDIS_TEST_URL }, prefix });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual(['purge-conversations', 'rollup-usage']);
    } finally {
      await queue.close();
    }
  });

  it('a web process that is shutting down says 503 on /readyz while the other keeps serving', async () => {
    expect((await fetch(`${urls[0]}/readyz`)).status).toBe(200);
    webs[0]!.kill('SIGTERM');
    await expect
      .poll(async () => (await fetch(`${urls[0]}/readyz`)).status, { timeout: 4000, interval: 100 })
      .toBe(503);
    const body = (await (await fetch(`${urls[0]}/readyz`)).json()) as { failing: string[] };
    expect(body.failing).toEqual(['shutdown']);
    // Still draining: what it is asked now is answered; the other process is ready throughout.
    const during = await fetch(`${urls[0]}/api/v1/ask`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ question: '입사 1년이 지난 직원의 연차 휴가는 며칠인가요?' }),
    });
    expect(during.status).toBe(200);
    expect((await fetch(`${urls[1]}/readyz`)).status).toBe(200);
    expect(await webs[0]!.exited).toBe(0);
  });
});
