/** The Sources admin API: admins only, audited, secrets sealed and never returned, run now end to end. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '#db';
import { buildAdminApp, errorCode, gql, gqlOk, userWithRole } from '../support/admin.ts';
import { buildCollection, createTestEngine, type TestEngine } from '../support/engine.ts';
import { ask } from './support.ts';

const KEY = 'connector-key-connector-key-0123456789';
const SOURCE_FIELDS = `id name kind config hasSecret scheduleMinutes paused state documentCount
  collection { id name } lastRun { number added changed deleted failed failures { item reason } error }`;

describe('sources admin API', () => {
  let t: TestEngine;
  let app: FastifyInstance;
  let admin: { id: string; token: string };
  let dir: string;
  let collectionId: string;

  beforeAll(async () => {
    t = await createTestEngine({
      INGEST_THREADS: '0',
      CONNECTOR_SECRET_KEY: KEY,
      MAX_UPLOAD_BYTES: String(256 * 1024),
    });
    app = await buildAdminApp(t);
    admin = await userWithRole(t, 'admin');
    dir = await mkdtemp(path.join(tmpdir(), 'exgpt-api-folder-'));
    await writeFile(
      path.join(dir, '복리후생.md'),
      '# 복리후생\n\n모든 직원은 매년 건강검진 비용 50만 원을 지원받는다.\n',
    );
    collectionId = (await buildCollection(t, { name: '인사 자료', everyone: true })).id;
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is for admins only', async () => {
    const curator = await userWithRole(t, 'curator');
    expect(errorCode(await gql(app, '{ sources { id } }', {}, { token: curator.token }))).toBe('forbidden');
    expect(errorCode(await gql(app, '{ sources { id } }'))).toBe('unauthenticated');
  });

  it('refuses bad settings with a reason naming the field', async () => {
    const result = await gql(
      app,
      'mutation($c: JSON!, $col: ID!) { createSource(name: "x", kind: "folder", collectionId: $col, config: $c) { id } }',
      { c: { path: 'relative/path' }, col: collectionId },
      { token: admin.token },
    );
    expect(result.errors?.[0]).toMatchObject({
      message: 'path: must be an absolute path',
      extensions: { code: 'invalid_input' },
    });
    const unknown = await gql(
      app,
      'mutation($col: ID!) { createSource(name: "x", kind: "ftp", collectionId: $col, config: {}) { id } }',
      { col: collectionId },
      { token: admin.token },
    );
    expect(unknown.errors?.[0]?.message).toMatch(/^Unknown source kind "ftp": use one of folder, website, /);
    const sharepoint = async (config: Record<string, unknown>) =>
      (
        await gql(
          app,
          'mutation($c: JSON!, $col: ID!) { createSource(name: "sp", kind: "sharepoint", collectionId: $col, config: $c) { id } }',
          { c: config, col: collectionId },
          { token: admin.token },
        )
      ).errors?.[0]?.message;
    const ids = { tenantId: 'contoso.onmicrosoft.com', clientId: '535fb089-9ff3-47b6-9bfb-4f1264799865' };
    expect(await sharepoint({ ...ids, clientId: '앱 이름' })).toBe(
      'clientId: must be the app’s application (client) id',
    );
    expect(await sharepoint(ids)).toBe('site: give a site, a user (OneDrive) or a drive id');
    // Without its client secret a SharePoint source could never run: refused when added, not at its first run.
    expect(await sharepoint({ ...ids, site: 'https://contoso.sharepoint.com/sites/HR' })).toBe(
      'A SharePoint source needs its client secret: enter it as the secret.',
    );
  });

  it('tests a connection without saving it', async () => {
    const ok = await gqlOk<{ testSource: { ok: boolean; message: string | null } }>(
      app,
      'mutation($c: JSON!) { testSource(kind: "folder", config: $c) { ok message } }',
      { c: { path: dir } },
      admin.token,
    );
    expect(ok.testSource).toEqual({ ok: true, message: null });
    const missing = path.join(dir, '없는-폴더');
    const bad = await gqlOk<{ testSource: { ok: boolean; message: string | null } }>(
      app,
      'mutation($c: JSON!) { testSource(kind: "folder", config: $c) { ok message } }',
      { c: { path: missing } },
      admin.token,
    );
    expect(bad.testSource).toEqual({
      ok: false,
      message: `${missing} is not a folder this server can read.`,
    });
  });

  it('adds a source with a sealed secret, runs it now, answers from it, pauses it and deletes it, all audited', async () => {
    const created = await gqlOk<{ createSource: Record<string, unknown> & { id: string } }>(
      app,
      `mutation($c: JSON!, $col: ID!) { createSource(name: "인사 공유 폴더", kind: "folder", collectionId: $col, config: $c, secret: "s3cret-token", scheduleMinutes: 60) { ${SOURCE_FIELDS} } }`,
      { c: { path: dir }, col: collectionId },
      admin.token,
    );
    const source = created.createSource;
    expect(source).toMatchObject({
      name: '인사 공유 폴더',
      kind: 'folder',
      config: { path: dir },
      hasSecret: true,
      scheduleMinutes: 60,
      paused: false,
      state: 'idle',
      lastRun: null,
      collection: { id: collectionId, name: '인사 자료' },
    });
    const [stored] = await rows<{ secret: string }>(
      t.database.db,
      sql`select secret from sources where id = ${source.id}`,
    );
    expect(stored?.secret).not.toContain('s3cret-token');
    expect(stored?.secret.startsWith('v1:')).toBe(true);

    await gqlOk(app, 'mutation($id: ID!) { runSource(id: $id) }', { id: source.id }, admin.token);
    await t.queue.drain();
    const after = await gqlOk<{ source: Record<string, unknown> }>(
      app,
      `query($id: ID!) { source(id: $id) { ${SOURCE_FIELDS} } }`,
      { id: source.id },
      admin.token,
    );
    expect(after.source).toMatchObject({
      documentCount: 1,
      state: 'idle',
      lastRun: { number: 1, added: 1, failed: 0, error: null },
    });
    const answer = await ask(t, t.admin, '건강검진 비용은 얼마나 지원되나요?');
    expect(answer.answered).toBe(true);
    expect(answer.sources[0]?.url).toBe(pathToFileURL(path.join(dir, '복리후생.md')).href);

    const refused = await gql(
      app,
      'mutation($id: ID!) { deleteCollection(id: $id, deleteDocuments: true) }',
      { id: collectionId },
      { token: admin.token },
    );
    expect(refused.errors?.[0]).toMatchObject({
      message: 'The collection is kept in sync by “인사 공유 폴더”: delete that source first (Sources).',
      extensions: { code: 'conflict' },
    });

    const paused = await gqlOk<{ updateSource: { paused: boolean; scheduleMinutes: number | null } }>(
      app,
      'mutation($id: ID!) { updateSource(id: $id, paused: true, scheduleMinutes: 0) { paused scheduleMinutes } }',
      { id: source.id },
      admin.token,
    );
    expect(paused.updateSource).toEqual({ paused: true, scheduleMinutes: null });

    await gqlOk(app, 'mutation($id: ID!) { deleteSource(id: $id) }', { id: source.id }, admin.token);
    const left = await rows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from documents where collection_id = ${collectionId}`,
    );
    expect(left[0]?.n).toBe(0);
    const after2 = await ask(t, t.admin, '건강검진 비용은 얼마나 지원되나요?');
    expect(after2.answered).toBe(false);

    const events = await rows<{ action: string; data: Record<string, unknown> }>(
      t.database.db,
      sql`select action, data from audit_events where target_id = ${source.id} order by id`,
    );
    expect(events.map((e) => e.action)).toEqual([
      'source.create',
      'source.run',
      'source.update',
      'source.delete',
    ]);
    expect(JSON.stringify(events)).not.toContain('s3cret-token');
    expect(events[0]?.data).toMatchObject({ secretSet: true });
  });

  it('without CONNECTOR_SECRET_KEY a secret is refused with what to do, and nothing is stored', async () => {
    const noKey = await buildAdminApp(t, { config: { ...t.config, CONNECTOR_SECRET_KEY: undefined } });
    try {
      const result = await gql(
        noKey,
        'mutation($c: JSON!, $col: ID!) { createSource(name: "비밀 없음", kind: "folder", collectionId: $col, config: $c, secret: "x") { id } }',
        { c: { path: dir }, col: collectionId },
        { token: admin.token },
      );
      expect(result.errors?.[0]?.message).toBe(
        'This source needs a secret, and secrets are stored encrypted: set CONNECTOR_SECRET_KEY (32 characters or more) and restart.',
      );
      const [n] = await rows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from sources where name = '비밀 없음'`,
      );
      expect(n?.n).toBe(0);
    } finally {
      await noKey.close();
    }
  });

  it("says a run's and an item's failure reasons in the admin's language", async () => {
    const big = await mkdtemp(path.join(tmpdir(), 'exgpt-api-big-'));
    try {
      // Over this engine's MAX_UPLOAD_BYTES (256 KB), beside a file that syncs.
      await writeFile(
        path.join(big, '연간-회의록.md'),
        `# 연간 회의록\n\n${'회의에서 예산을 논의했다. '.repeat(12_000)}`,
      );
      await writeFile(path.join(big, '휴가.md'), '# 휴가\n\n연차 휴가는 15일이다.\n');
      const missing = path.join(big, '없는-폴더');
      const add = async (name: string, folder: string) =>
        (
          await gqlOk<{ createSource: { id: string } }>(
            app,
            'mutation($c: JSON!, $col: ID!, $n: String!) { createSource(name: $n, kind: "folder", collectionId: $col, config: $c) { id } }',
            { c: { path: folder }, col: collectionId, n: name },
            admin.token,
          )
        ).createSource.id;
      const bigId = await add('회의록 폴더', big);
      const missingId = await add('사라진 폴더', missing);
      for (const id of [bigId, missingId]) {
        await gqlOk(app, 'mutation($id: ID!) { runSource(id: $id) }', { id }, admin.token);
      }
      await t.queue.drain();

      const lastRun = async (id: string, language?: string) => {
        const result = await gql(
          app,
          'query($id: ID!) { source(id: $id) { lastRun { added failed failures { item reason } error } } }',
          { id },
          { token: admin.token, ...(language ? { headers: { 'accept-language': language } } : {}) },
        );
        expect(result.errors).toBeUndefined();
        return (result.data as { source: { lastRun: Record<string, unknown> } }).source.lastRun;
      };
      expect(await lastRun(bigId, 'ko-KR,ko;q=0.9')).toEqual({
        added: 1,
        failed: 1,
        failures: [
          {
            item: '연간-회의록.md',
            reason: '연간-회의록.md: 256 KB(MAX_UPLOAD_BYTES)보다 커서 가져오지 않았습니다.',
          },
        ],
        error: null,
      });
      expect(await lastRun(bigId, 'en')).toMatchObject({
        failures: [
          { item: '연간-회의록.md', reason: '연간-회의록.md is larger than 256 KB (MAX_UPLOAD_BYTES).' },
        ],
      });
      expect(await lastRun(missingId, 'ko')).toMatchObject({
        added: 0,
        error: `${missing}: 이 서버가 읽을 수 있는 폴더가 아닙니다.`,
      });
      expect(await lastRun(missingId)).toMatchObject({
        error: `${missing} is not a folder this server can read.`,
      });

      const tested = await gql(
        app,
        'mutation($c: JSON!) { testSource(kind: "folder", config: $c) { ok message } }',
        { c: { path: missing } },
        { token: admin.token, headers: { 'accept-language': 'ko' } },
      );
      expect(tested.data).toEqual({
        testSource: { ok: false, message: `${missing}: 이 서버가 읽을 수 있는 폴더가 아닙니다.` },
      });
    } finally {
      await rm(big, { recursive: true, force: true });
    }
  });
});
