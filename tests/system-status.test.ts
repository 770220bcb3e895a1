/**
 * What an admin sees of the install: the systemStatus query (configuration, live checks, sizes) and
 * /readyz with a chat model that is, or is not, reachable. A model server that is down is reported but
 * does not make the process unready: the console, uploads and search still work without it.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEXICAL_ANALYSIS_VERSION } from '#core';
import { scheduleLexicalReindexIfNeeded } from '../workers/recovery.ts';
import { type FakeOpenAi, startFakeOpenAi } from './fakes/openai-server.ts';
import { buildAdminApp, errorCode, gql, gqlOk, userWithRole } from './support/admin.ts';
import { createTestEngine, silentLogger, type TestEngine } from './support/engine.ts';

const STATUS = `{ systemStatus {
  version nodeVersion databaseVersion
  database { ok detail latencyMs }
  jobs { ok mode waiting active failed workers { address } }
  embedder { model dimensions detail reembedding { model } }
  chatModel { configured model url reachable latencyMs reason }
  slack { enabled detail missing } teams { enabled detail missing }
  dataDir indexBytes databaseBytes chunks documentsByStatus
} }`;

interface Status {
  systemStatus: {
    database: { ok: boolean; detail: string };
    jobs: { ok: boolean; mode: string; workers: unknown[] };
    embedder: { model: string; dimensions: number | null; reembedding: unknown };
    chatModel: {
      configured: boolean;
      model: string | null;
      url: string | null;
      reachable: boolean | null;
      latencyMs: number | null;
      reason: string | null;
    };
    slack: { enabled: boolean; detail: string };
    teams: { enabled: boolean; detail: string };
    indexBytes: number;
    chunks: number;
    documentsByStatus: Record<string, number>;
    version: string;
    nodeVersion: string;
    databaseVersion: string;
  };
}

describe('system status without a model server', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await createTestEngine();
  });
  afterAll(() => t.close());

  it('says how the install is set up, with a Korean document indexed, and is for admins only', async () => {
    const app = await buildAdminApp(t);
    const admin = await userWithRole(t, 'admin');
    const curator = await userWithRole(t, 'curator');
    const upload = await app.inject({
      method: 'POST',
      url: '/api/v1/documents',
      headers: {
        authorization: `Bearer ${t.adminKey}`,
        'content-type': 'multipart/form-data; boundary=b',
      },
      payload:
        '--b\r\nContent-Disposition: form-data; name="file"; filename="휴가-규정.md"\r\nContent-Type: text/markdown\r\n\r\n' +
        '# 휴가 규정\n\n연차 휴가는 입사 1년 후 15일이 주어지며, 미사용 연차는 다음 해 3월까지 사용할 수 있습니다.\n' +
        '\r\n--b--\r\n',
    });
    expect(upload.statusCode, upload.body).toBe(202);
    await t.queue.drain();

    const { systemStatus: s } = await gqlOk<Status>(app, STATUS, {}, admin.token);
    expect(s.database).toMatchObject({ ok: true, detail: expect.stringContaining('embedded PGlite') });
    expect(s.jobs).toMatchObject({ ok: true, mode: 'in-process', workers: [] });
    expect(s.embedder).toMatchObject({
      model: expect.stringMatching(/^local-hash-/),
      dimensions: 384,
      reembedding: null,
    });
    expect(s.chatModel).toMatchObject({ configured: false, reachable: null, url: null });
    expect(s.slack).toEqual({
      enabled: false,
      detail: 'off: SLACK_BOT_TOKEN is not set',
      missing: 'SLACK_BOT_TOKEN',
    });
    expect(s.teams).toMatchObject({ enabled: false, missing: 'MICROSOFT_APP_ID' });
    expect(s.chunks).toBeGreaterThan(0);
    expect(s.indexBytes).toBeGreaterThan(0);
    expect(s.documentsByStatus).toEqual({ ready: 1 });
    expect(s.databaseVersion).toMatch(/^1[5-9]/);
    expect(s.nodeVersion).toBe(process.versions.node);

    const refused = await gql(app, STATUS, {}, { token: curator.token });
    expect(errorCode(refused)).toBe('forbidden');
    await app.close();
  });

  it('shows the search index being moved to a new text analysis, and when it is done (admins only)', async () => {
    const app = await buildAdminApp(t);
    const admin = await userWithRole(t, 'admin');
    const curator = await userWithRole(t, 'curator');
    const PROGRESS = `{ lexicalReindex { analysisVersion reindexed total running } }`;
    type Progress = { analysisVersion: number; reindexed: number; total: number; running: boolean };
    const progress = async () =>
      (await gqlOk<{ lexicalReindex: Progress }>(app, PROGRESS, {}, admin.token)).lexicalReindex;

    const before = await progress();
    expect(before).toMatchObject({ analysisVersion: LEXICAL_ANALYSIS_VERSION, running: false });
    expect(before.reindexed).toBe(before.total);
    expect(before.total).toBeGreaterThan(0);

    // As an install upgraded from the previous analysis looks: its (Korean) chunks indexed by version 1.
    await t.database.db.execute(sql`update chunks set lexical_version = 1`);
    expect(await progress()).toEqual({ ...before, reindexed: 0, running: true });
    const { systemStatus } = await gqlOk<{ systemStatus: { lexicalReindex: Progress } }>(
      app,
      `{ systemStatus { lexicalReindex { reindexed total running } } }`,
      {},
      admin.token,
    );
    expect(systemStatus.lexicalReindex).toEqual({ reindexed: 0, total: before.total, running: true });

    expect(
      await scheduleLexicalReindexIfNeeded({ db: t.database.db, queue: t.queue, logger: silentLogger }),
    ).toBe(true);
    await t.queue.drain();
    expect(await progress()).toEqual(before);

    expect(errorCode(await gql(app, PROGRESS, {}, { token: curator.token }))).toBe('forbidden');
    await app.close();
  });
});

describe('system status and /readyz with a chat model', () => {
  let fake: FakeOpenAi;
  let up: TestEngine;
  let down: TestEngine;
  beforeAll(async () => {
    fake = await startFakeOpenAi({ apiKey: 'sk-test', models: { 'gpt-4o-mini': { tokens: ['ok'] } } });
    up = await createTestEngine({
      CHAT_MODEL: 'gpt-4o-mini',
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'sk-test',
    });
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    down = await createTestEngine({ CHAT_MODEL: 'gpt-4o-mini', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
  });
  afterAll(async () => {
    expect(fake.unexpected).toEqual([]);
    await fake.close();
    await up.close();
    await down.close();
  });

  it('reports a reachable model server with its latency', async () => {
    const app = await buildAdminApp(up);
    const admin = await userWithRole(up, 'admin');
    const { systemStatus: s } = await gqlOk<Status>(app, STATUS, {}, admin.token);
    expect(s.chatModel).toMatchObject({
      configured: true,
      model: 'gpt-4o-mini',
      url: fake.url,
      reachable: true,
    });
    expect(s.chatModel.latencyMs).toEqual(expect.any(Number));
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { chatModel: { ok: true } } });
    await app.close();
  });

  it('reports an unreachable one with the reason, and stays ready', async () => {
    const app = await buildAdminApp(down);
    const admin = await userWithRole(down, 'admin');
    const { systemStatus: s } = await gqlOk<Status>(app, STATUS, {}, admin.token);
    expect(s.chatModel).toMatchObject({
      reachable: false,
      url: 'http://127.0.0.1:9/v1',
      reason: 'not reachable (connection failed)',
    });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ready',
      checks: {
        database: { ok: true },
        chatModel: { ok: false, optional: true, error: 'not reachable (connection failed)' },
      },
      degraded: ['chatModel'],
    });
    await app.close();
  });

  it('says when the model server refuses the key', async () => {
    const wrongKey = await createTestEngine({
      CHAT_MODEL: 'gpt-4o-mini',
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'sk-wrong',
    });
    const app = await buildAdminApp(wrongKey);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json().checks.chatModel).toEqual({
      ok: false,
      optional: true,
      error: 'refused the API key (HTTP 401): check OPENAI_API_KEY',
    });
    await app.close();
    await wrongKey.close();
  });
});
