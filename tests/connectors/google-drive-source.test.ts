/**
 * Conformance run of the Google Drive source against loopback Google (token endpoint + Drive v3, see
 * fake-google-drive.ts for which answers are recorded and which are built from the v3 reference): first sync
 * of a shared drive with a Korean Google Doc and Sheet, English Slides and a Markdown file, permissions
 * enforced in answers, an edit, a sharing change, trash and removal, an expired token, a first sync that
 * fails half-way and resumes its listing without duplicates, a 429 with Retry-After, and the recorded
 * payloads read as they are.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '#core';
import { rows } from '#db';
import { buildDocx, docx } from '../../core/ingest/fixtures/docx-builder.ts';
import { buildPptx, buildXlsx } from '../../core/ingest/fixtures/office-builders.ts';
import { createGoogleDriveConnector } from '../../workers/connectors/google-drive/index.ts';
import { parseSourceConfig } from '../../workers/connectors/index.ts';
import { buildCollection, buildUser, createTestEngine, type TestEngine } from '../support/engine.ts';
import {
  DRIVE_ID,
  type FakeDriveFile,
  type FakeGoogleDrive,
  fixtureText,
  startFakeGoogleDrive,
} from './google-drive/fake-google-drive.ts';
import { ask, buildSource, documentsOf, runSource } from './support.ts';

const KEY = 'google-drive-test-key-0123456789abcdef';
const DOMAIN = { type: 'domain', role: 'reader', domain: 'contoso.example' } as const;
const leaveDoc = (days: number) =>
  buildDocx([
    docx.heading(1, '연차 휴가 규정'),
    docx.paragraph(`입사 첫해 직원에게는 연차 휴가 ${days}일이 주어진다.`),
  ]);

function seed(fake: FakeGoogleDrive): void {
  const add = (f: Partial<FakeDriveFile> & Pick<FakeDriveFile, 'id' | 'name' | 'mimeType' | 'content'>) =>
    fake.files.set(f.id, { version: 1, trashed: false, permissions: [DOMAIN], ...f });
  add({
    id: 'doc-leave',
    name: '연차 휴가 규정',
    mimeType: 'application/vnd.google-apps.document',
    content: leaveDoc(15),
  });
  add({
    id: 'sheet-travel',
    name: '출장비 기준',
    mimeType: 'application/vnd.google-apps.spreadsheet',
    content: buildXlsx([
      {
        name: '일비',
        rows: [
          ['직급', '일비'],
          ['부장', '7만원'],
          ['사원', '5만원'],
        ],
      },
    ]),
    permissions: [
      { type: 'user', role: 'owner', emailAddress: 'finance-owner@contoso.example' },
      { type: 'user', role: 'reader', emailAddress: 'Kim.Minsu@contoso.example' },
      { type: 'group', role: 'reader', emailAddress: 'hr@contoso.example' },
    ],
  });
  add({
    id: 'slides-onboarding',
    name: 'Onboarding',
    mimeType: 'application/vnd.google-apps.presentation',
    content: buildPptx([
      { title: 'First day', body: ['New employees get a laptop and a badge on their first day.'] },
    ]),
  });
  add({
    id: 'md-expenses',
    name: 'expense-policy.md',
    mimeType: 'text/markdown',
    content: new TextEncoder().encode(
      '# Expense policy\n\nSubmit expense reports within 30 days, with receipts attached.\n',
    ),
  });
  add({
    id: 'png-logo',
    name: 'logo.png',
    mimeType: 'image/png',
    content: new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
  });
  add({
    id: 'folder-hr',
    name: 'HR',
    mimeType: 'application/vnd.google-apps.folder',
    content: new Uint8Array(),
  });
  add({
    id: 'md-old',
    name: 'old.md',
    mimeType: 'text/markdown',
    content: new TextEncoder().encode('# Old'),
    trashed: true,
  });
}

describe('Google Drive source (shared drive)', () => {
  let t: TestEngine;
  let fake: FakeGoogleDrive;
  let collectionId: string;
  let sourceId: string;
  let kim: Awaited<ReturnType<typeof buildUser>>;
  const waits: number[] = [];
  const exportsOf = (id: string) =>
    fake.requests.filter((r) => r.includes(`/files/${id}/export`) || r.includes(`/files/${id}?alt=media`))
      .length;

  async function addSource(secret: string): Promise<string> {
    const id = await buildSource(t, {
      kind: 'google-drive',
      collectionId,
      config: { driveId: DRIVE_ID, apiUrl: fake.apiUrl },
    });
    await t.database.db.execute(
      sql`update sources set secret = ${createSecretBox(KEY).seal(secret)} where id = ${id}`,
    );
    return id;
  }
  const cursorOf = async (id: string) =>
    (
      await rows<{ cursor: string | null }>(t.database.db, sql`select cursor from sources where id = ${id}`)
    )[0]?.cursor;

  beforeAll(async () => {
    t = await createTestEngine(
      { INGEST_THREADS: '0', CONNECTOR_SECRET_KEY: KEY },
      { connectorHttp: { sleep: async (ms) => void waits.push(ms), maxAttempts: 3 } },
    );
    fake = await startFakeGoogleDrive();
    seed(fake);
    collectionId = (await buildCollection(t, { everyone: true })).id;
    sourceId = await addSource(fake.keyFile);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('first sync: Docs, Sheets and Slides exported to Office files, a Markdown file downloaded; answers cite webViewLink', async () => {
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', added: 4, changed: 0, deleted: 0, failed: 0, error: null });
    expect(fake.unexpected).toEqual([]);
    expect(
      fake.requests.some((r) => r.includes('png-logo') || r.includes('folder-hr') || r.includes('md-old')),
    ).toBe(false);
    expect(fake.requests).toContainEqual(
      expect.stringContaining(
        `/files/doc-leave/export?mimeType=${encodeURIComponent('application/vnd.openxmlformats-officedocument.wordprocessingml.document')}`,
      ),
    );
    // The first start token is Chromium's recorded startPageToken answer, served as it is.
    expect(JSON.parse((await cursorOf(sourceId))!)).toEqual({ phase: 'changes', pageToken: '15734' });
    const docs = await documentsOf(t, sourceId);
    expect(docs.map((d) => d.title).sort()).toEqual(
      ['Expense policy', 'Onboarding', '연차 휴가 규정', '출장비 기준'].sort(),
    );

    const answer = await ask(t, t.admin, '입사 첫해 연차 휴가는 며칠인가요?');
    expect(answer.answer).toContain('15일');
    expect(answer.sources[0]?.url).toBe('https://docs.google.com/document/d/doc-leave/edit?usp=drivesdk');
    const english = await ask(t, t.admin, 'What do new employees get on their first day?');
    expect(english.answer).toContain('laptop');
    expect(english.sources[0]?.url).toBe(
      'https://docs.google.com/presentation/d/slides-onboarding/edit?usp=drivesdk',
    );
  });

  it("a file shared with some people and a group is answered only to them; the domain's files to everyone", async () => {
    const outsider = await buildUser(t, { email: 'lee@contoso.example' });
    kim = await buildUser(t, { email: 'kim.minsu@contoso.example' });
    const hr = await buildUser(t, { email: 'park@contoso.example', groups: ['인사팀'] });
    await t.database.db.execute(
      sql`update groups set external_id = 'hr@contoso.example' where name = '인사팀'`,
    );
    expect((await ask(t, outsider, '부장 일비는 얼마인가요?')).answer).not.toContain('7만원');
    expect((await ask(t, outsider, '입사 첫해 연차 휴가는 며칠인가요?')).answer).toContain('15일');
    const forKim = await ask(t, kim, '부장 일비는 얼마인가요?');
    expect(forKim.answer).toContain('7만원');
    expect(forKim.sources[0]?.url).toBe(
      'https://docs.google.com/spreadsheet/d/sheet-travel/edit?usp=drivesdk',
    );
    expect((await ask(t, hr, '부장 일비는 얼마인가요?')).answer).toContain('7만원');
  });

  it('a run with no changes reads only the change feed', async () => {
    const before = fake.requests.length;
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ added: 0, changed: 0, deleted: 0, failed: 0 });
    // Each run signs in (POST /token), then reads the change feed and nothing else.
    expect(fake.requests.slice(before).filter((r) => r !== 'POST /token')).toEqual([
      expect.stringContaining('GET /drive/v3/changes?'),
    ]);
  });

  it('follows an edit, and a sharing change that removes a reader', async () => {
    const doc = fake.files.get('doc-leave')!;
    doc.content = leaveDoc(20);
    fake.touch('doc-leave');
    fake.files.get('sheet-travel')!.permissions = fake.files
      .get('sheet-travel')!
      .permissions.filter((p) => p.emailAddress !== 'Kim.Minsu@contoso.example');
    fake.touch('sheet-travel');
    const sheetBefore = exportsOf('sheet-travel');
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ changed: 1, failed: 0 });
    expect(exportsOf('sheet-travel')).toBe(sheetBefore + 1);
    expect((await ask(t, t.admin, '입사 첫해 연차 휴가는 며칠인가요?')).answer).toContain('20일');
    expect((await ask(t, kim, '부장 일비는 얼마인가요?')).answer).not.toContain('7만원');
  });

  it('a trashed file and a removed file are deleted', async () => {
    fake.files.get('slides-onboarding')!.trashed = true;
    fake.touch('slides-onboarding');
    fake.touch('md-expenses', true);
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ deleted: 2, failed: 0 });
    expect((await documentsOf(t, sourceId)).map((d) => d.title).sort()).toEqual(
      ['연차 휴가 규정', '출장비 기준'].sort(),
    );
    const english = await ask(t, t.admin, 'What do new employees get on their first day?');
    expect(english.sources.some((s) => s.url?.includes('slides-onboarding'))).toBe(false);
  });

  it('an expired token is replaced by signing in again', async () => {
    const before = fake.tokensIssued();
    fake.expireTokens();
    fake.files.get('doc-leave')!.content = leaveDoc(21);
    fake.touch('doc-leave');
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', changed: 1, failed: 0 });
    expect(fake.tokensIssued()).toBe(before + 1);
  });

  it('a Doc too large to export fails alone, with its reason; the run goes on', async () => {
    fake.files.set('doc-huge', {
      id: 'doc-huge',
      name: '2026 전사 회의록',
      mimeType: 'application/vnd.google-apps.document',
      version: 1,
      trashed: false,
      content: new Uint8Array(),
      permissions: [DOMAIN],
      tooLargeToExport: true,
    });
    fake.touch('doc-huge');
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', failed: 1, error: null });
    expect(run.failures).toEqual([
      { item: 'doc-huge', reason: '2026 전사 회의록: it is too large for Google to export (10 MB).' },
    ]);
    fake.files.delete('doc-huge');
  });

  it('waits out a 429 with its Retry-After', async () => {
    fake.throttleOnce.set('/drive/v3/changes', '7');
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', failed: 0 });
    expect(waits).toContain(7000);
  });

  it('a change token Drive no longer accepts (400) starts over with a full listing, which also finds what the feed missed', async () => {
    // While the token was unusable: a file removed and another added, neither of which the feed will tell.
    fake.files.delete('sheet-travel');
    fake.files.set('doc-remote', {
      id: 'doc-remote',
      name: '재택근무 지침',
      mimeType: 'application/vnd.google-apps.document',
      version: 1,
      trashed: false,
      permissions: [DOMAIN],
      content: buildDocx([
        docx.heading(1, '재택근무 지침'),
        docx.paragraph('재택근무는 한 주에 2일까지 신청할 수 있다.'),
      ]),
    });
    fake.refuseChangeTokens(400);
    const leaveExports = exportsOf('doc-leave');
    const from = fake.requests.length;
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', added: 1, changed: 0, deleted: 1, failed: 0, error: null });
    const made = fake.requests.slice(from);
    expect(made.filter((r) => r.startsWith('GET /drive/v3/changes?'))).toHaveLength(2);
    expect(made).toContainEqual(expect.stringContaining('GET /drive/v3/changes/startPageToken'));
    expect(made).toContainEqual(expect.stringContaining('GET /drive/v3/files?'));
    // Unchanged files are listed, not exported again.
    expect(exportsOf('doc-leave')).toBe(leaveExports);
    expect(fake.unexpected).toEqual([]);
    expect((await documentsOf(t, sourceId)).map((d) => d.title).sort()).toEqual(
      ['연차 휴가 규정', '재택근무 지침'].sort(),
    );
    const remote = await ask(t, t.admin, '재택근무는 한 주에 며칠까지 신청할 수 있나요?');
    expect(remote.answer).toContain('2일');
    expect(remote.sources[0]?.url).toBe('https://docs.google.com/document/d/doc-remote/edit?usp=drivesdk');
    expect((await ask(t, kim, '부장 일비는 얼마인가요?')).answer).not.toContain('7만원');
    expect((await ask(t, t.admin, '부장 일비는 얼마인가요?')).answer).not.toContain('7만원');

    // The fresh token is kept: the next run reads the change feed only.
    const next = fake.requests.length;
    expect(await runSource(t, sourceId)).toMatchObject({ state: 'idle', added: 0, deleted: 0, failed: 0 });
    expect(fake.requests.slice(next).filter((r) => r !== 'POST /token')).toEqual([
      expect.stringContaining('GET /drive/v3/changes?'),
    ]);
  });

  it('a change token answered with 404 starts over too, and a listing with nothing new changes nothing', async () => {
    fake.refuseChangeTokens(404);
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', added: 0, changed: 0, deleted: 0, failed: 0, unchanged: 2 });
    expect(JSON.parse((await cursorOf(sourceId))!)).toMatchObject({ phase: 'changes' });
    // Out of the way of the next test's drive, which is seeded afresh.
    fake.files.delete('doc-remote');
  });

  it('a first sync that fails half-way resumes its listing, fetching nothing twice and duplicating nothing', async () => {
    const second = await addSource(fake.keyFile);
    seed(fake);
    fake.failOnce.add('/drive/v3/files#2');
    const leaveExports = exportsOf('doc-leave');
    const from = fake.requests.length;
    // The first attempt stores the first listing page, then fails on the second; the queue's retry resumes
    // from the saved cursor (the listing's page token), not from the start.
    const run = await runSource(t, second);
    // The retry is a run of its own: it adds what the failed attempt had not reached.
    expect(run).toMatchObject({ state: 'idle', failed: 0, added: 2 });
    expect(fake.failOnce.size).toBe(0);
    expect(exportsOf('doc-leave')).toBe(leaveExports + 1);
    const listings = fake.requests.slice(from).filter((r) => r.startsWith('GET /drive/v3/files?'));
    // Page one once; page two twice (the 500, then the resumed attempt); page three once.
    expect(listings.filter((r) => !r.includes('pageToken='))).toHaveLength(1);
    expect(listings.filter((r) => r.includes('pageToken=2'))).toHaveLength(2);
    expect(listings.filter((r) => r.includes('pageToken=4'))).toHaveLength(1);
    const docs = await documentsOf(t, second);
    expect(docs.map((d) => d.title).sort()).toEqual(
      ['Expense policy', 'Onboarding', '연차 휴가 규정', '출장비 기준'].sort(),
    );
    expect(new Set(docs.map((d) => d.source_key)).size).toBe(4);
  });

  it("Google's published token example, served as it is (not JSON), fails the run with a clear reason", async () => {
    fake.expireTokens();
    fake.verbatim.set('/token', fixtureText('oauth2-token-service-account-jwt.docs-verbatim.txt'));
    try {
      const run = await runSource(t, sourceId);
      expect(run.state).toBe('failed');
      expect(run.error).toBe("Google's token endpoint answered HTTP 200 with a body that is not JSON.");
    } finally {
      fake.verbatim.delete('/token');
    }
  });

  it('a key that is not a service account key fails with what to paste', async () => {
    const wrong = await addSource('{"installed":{"client_id":"x"}}');
    const run = await runSource(t, wrong);
    expect(run.state).toBe('failed');
    expect(run.error).toContain('no client_email or private_key');
  });
});

describe('Drive answers in their recorded v2 form', () => {
  it("Chromium's v2 change list: the fields v2 and v3 share are read (newStartPageToken, fileId, file id and type), v2's names for the rest", async () => {
    const fake = await startFakeGoogleDrive();
    try {
      fake.verbatim.set(
        '/drive/v3/changes',
        fixtureText('changes-list-final-page-newStartPageToken.chromium-v2.json'),
      );
      const connector = createGoogleDriveConnector(
        { driveId: DRIVE_ID, apiUrl: fake.apiUrl, exportAs: 'pdf' },
        fake.keyFile,
        { maxBytes: 1_000_000 },
      );
      const context = {
        signal: new AbortController().signal,
        known: async () => null,
        knownMany: async () => new Map(),
      };
      const batches = [];
      for await (const batch of connector.listChanges(
        JSON.stringify({ phase: 'changes', pageToken: '13600' }),
        context,
      ))
        batches.push(batch);
      expect(batches).toEqual([
        {
          cursor: JSON.stringify({ phase: 'changes', pageToken: '13665' }),
          changes: [
            {
              kind: 'upsert',
              item: {
                externalId: '1Pc8jzfU1ErbN_eucMMqdqzY3eBm0v8sxXm_1CtLxABC',
                version: '2012-07-27T04:54:11.030Z',
                state: {
                  name: 'Test Google Document',
                  mimeType: 'application/vnd.google-apps.document',
                  webViewLink:
                    'https://docs.google.com/a/chromium.org/document/d/1Pc8jzfU1ErbN_eucMMqdqzY3eBm0v8sxXm_1CtLxABC/edit',
                },
              },
            },
          ],
        },
      ]);
    } finally {
      await fake.close();
    }
  });

  it('settings are checked field by field', () => {
    expect(() => parseSourceConfig('google-drive', { exportAs: 'odt' })).toThrow(
      'exportAs: must be "office" or "pdf"',
    );
    expect(parseSourceConfig('google-drive', { driveId: DRIVE_ID })).toEqual({
      driveId: DRIVE_ID,
      exportAs: 'office',
      apiUrl: 'https://www.googleapis.com',
    });
  });
});
