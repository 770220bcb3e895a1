/**
 * Conformance run of the Confluence source against a loopback Confluence, once as Cloud (REST v2, e-mail +
 * API token) and once as Server/Data Center (REST v1, personal access token): first sync with Korean and
 * English pages and an attachment, read restrictions enforced in answers, change, rename, permission
 * change, deletion, a crashed run resumed without duplicates, 429 with Retry-After, a wrong token.
 * Responses are built from Atlassian's references (see fake-confluence.ts); Atlassian's recorded reference
 * payloads are read as they are at the end.
 */

import { readFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, sha256Hex } from '#core';
import { rows } from '#db';
import { createSourceStore } from '../../db/sources.ts';
import { createConfluenceConnector } from '../../workers/connectors/confluence/index.ts';
import { parseSourceConfig, sourceKeyOf } from '../../workers/connectors/index.ts';
import { buildCollection, buildUser, createTestEngine, type TestEngine } from '../support/engine.ts';
import { type FakeConfluence, type FakePage, startFakeConfluence } from './confluence/fake-confluence.ts';
import { ask, buildSource, documentsOf, runSource } from './support.ts';

const KEY = 'confluence-test-key-0123456789abcdef';
const EMAIL = 'svc-exgpt@contoso.example';
const TOKEN = 'ATATT3xFfGF0-test-token';

const LEAVE = (days: number) => `<h1>부여 기준</h1>
<p>입사 첫해 직원에게는 연차 휴가 ${days}일이 주어진다. 사용하지 않은 연차는 다음 해 3월 31일에 소멸된다.</p>
<ac:structured-macro ac:name="info" ac:schema-version="1" ac:macro-id="5a1"><ac:parameter ac:name="title">신청 방법</ac:parameter><ac:rich-text-body><p>연차 신청은 3일 전까지 팀장에게 한다.</p></ac:rich-text-body></ac:structured-macro>
<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[leave-cli request --days 3 --type "annual" && echo <ok>]]></ac:plain-text-body></ac:structured-macro>
<p>관련 문서: <ac:link><ri:page ri:content-title="Expense policy" /></ac:link></p>`;

const page = (p: Partial<FakePage> & Pick<FakePage, 'id' | 'title' | 'storage'>): FakePage => ({
  spaceKey: 'HR',
  parentId: '1001',
  version: 1,
  readUsers: [],
  readGroups: [],
  attachments: [],
  ...p,
});

function seed(fake: FakeConfluence): void {
  fake.pages.clear();
  const add = (p: FakePage) => fake.pages.set(p.id, p);
  add(
    page({
      id: '1001',
      title: '인사 핸드북',
      parentId: null,
      storage: '<p>인사팀이 관리하는 사내 규정 모음입니다.</p>',
    }),
  );
  add(page({ id: '1002', title: '연차 휴가 규정', storage: LEAVE(15) }));
  add(
    page({
      id: '1003',
      title: 'Expense policy',
      storage: '<h1>Reports</h1><p>Submit expense reports within 30 days, with receipts attached.</p>',
      attachments: [
        {
          id: 'att2001',
          title: 'Travel allowance',
          mediaType: 'text/markdown',
          version: 1,
          bytes: new TextEncoder().encode(
            '# Travel allowance\n\nThe daily travel allowance abroad is 120 dollars per day.\n',
          ),
        },
        {
          id: 'att2002',
          title: 'org-chart.png',
          mediaType: 'image/png',
          version: 1,
          bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
        },
      ],
    }),
  );
  add(
    page({
      id: '1004',
      title: '보너스 지급 기준',
      storage: '<p>성과 등급 S의 성과급은 기본급의 300%이다.</p>',
      readUsers: [
        {
          email: 'kim.minsu@contoso.example',
          username: 'kim.minsu@contoso.example',
          accountId: '5b10a2844c20165700ede21g',
        },
      ],
      readGroups: [{ id: 'b6f1c6a0-5f6e-4d1a-9f0e-hr', name: 'hr-managers' }],
    }),
  );
  // No restriction of its own: it inherits its parent's.
  add(
    page({
      id: '1005',
      title: '팀별 세부 규정',
      parentId: '1004',
      storage: '<p>개발팀 야근 식대는 1만5천원이다.</p>',
    }),
  );
}

describe.each(['cloud', 'server'] as const)('Confluence %s source', (deployment) => {
  let t: TestEngine;
  let fake: FakeConfluence;
  let collectionId: string;
  let sourceId: string;
  let kim: Awaited<ReturnType<typeof buildUser>>;
  let park: Awaited<ReturnType<typeof buildUser>>;
  const waits: number[] = [];
  const cloud = deployment === 'cloud';
  const webOf = (id: string, title: string) =>
    cloud
      ? `${fake.baseUrl}/wiki/spaces/HR/pages/${id}/${encodeURIComponent(title)}`
      : `${fake.baseUrl}/display/HR/${encodeURIComponent(title).replace(/%20/g, '+')}`;
  const bodyRequests = (id: string) =>
    fake.requests.filter((r) => r.includes(cloud ? `/api/v2/pages/${id}?` : `/rest/api/content/${id}?`))
      .length;

  async function addSource(token: string): Promise<string> {
    const id = await buildSource(t, {
      kind: 'confluence',
      collectionId,
      config: { deployment, baseUrl: fake.baseUrl, spaceKeys: ['HR'], ...(cloud ? { email: EMAIL } : {}) },
    });
    await t.database.db.execute(
      sql`update sources set secret = ${createSecretBox(KEY).seal(token)} where id = ${id}`,
    );
    return id;
  }

  beforeAll(async () => {
    t = await createTestEngine(
      { INGEST_THREADS: '0', CONNECTOR_SECRET_KEY: KEY },
      { connectorHttp: { sleep: async (ms) => void waits.push(ms), maxAttempts: 3 } },
    );
    fake = await startFakeConfluence({ deployment, email: EMAIL, token: TOKEN });
    seed(fake);
    collectionId = (await buildCollection(t, { everyone: true })).id;
    sourceId = await addSource(TOKEN);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('first sync: pages with their place in the tree, macros kept as text, a supported attachment; answers cite the page', async () => {
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', added: 6, changed: 0, deleted: 0, failed: 0, error: null });
    expect(fake.unexpected).toEqual([]);
    // The image attachment is never downloaded.
    expect(fake.requests.some((r) => r.includes('org-chart.png'))).toBe(false);
    // Cloud's download goes on to the media host, without the site's credentials.
    expect(fake.mediaRequests).toEqual(
      cloud ? [{ path: '/file/1003/att2001/binary', authorization: undefined }] : [],
    );
    const docs = await documentsOf(t, sourceId);
    expect(docs.map((d) => d.title).sort()).toEqual(
      [
        'Expense policy',
        'Travel allowance',
        '보너스 지급 기준',
        '연차 휴가 규정',
        '인사 핸드북',
        '팀별 세부 규정',
      ].sort(),
    );

    const chunks = await rows<{ heading_path: string[]; text: string }>(
      t.database.db,
      sql`select c.heading_path, c.text from chunks c join documents d on d.id = c.document_id
          where d.source_key = ${sourceKeyOf(sourceId, 'page:1002')} order by c.position`,
    );
    const all = chunks.map((c) => c.text).join('\n');
    expect(chunks[0]?.heading_path.slice(0, 2)).toEqual(['인사 핸드북', '연차 휴가 규정']);
    expect(all).toContain('연차 신청은 3일 전까지 팀장에게 한다.');
    expect(all).toContain('leave-cli request --days 3 --type "annual" && echo <ok>');

    const answer = await ask(t, t.admin, '입사 첫해 연차 휴가는 며칠인가요?');
    expect(answer.answered).toBe(true);
    expect(answer.answer).toContain('15일');
    expect(answer.sources[0]?.url).toBe(webOf('1002', '연차 휴가 규정'));
    expect(answer.sources[0]?.section).toContain('인사 핸드북');

    const english = await ask(t, t.admin, 'What is the daily travel allowance abroad?');
    expect(english.answered).toBe(true);
    expect(english.answer).toContain('120 dollars');
    expect(english.sources[0]?.title).toBe('Travel allowance');
    expect(english.sources[0]?.url).toContain('/pages/viewpageattachments.action?pageId=1003');
  });

  it('a restricted page (and its child, which inherits it) is answered only to its readers', async () => {
    const outsider = await buildUser(t, { email: `lee-${deployment}@contoso.example` });
    kim = await buildUser(t, { email: `Kim.Minsu@contoso.example` });
    park = await buildUser(t, {
      email: `park-${deployment}@contoso.example`,
      groups: [`인사관리자-${deployment}`],
    });
    await t.database.db.execute(
      sql`update groups set external_id = ${cloud ? 'b6f1c6a0-5f6e-4d1a-9f0e-hr' : 'hr-managers'} where name = ${`인사관리자-${deployment}`}`,
    );
    expect((await ask(t, outsider, '성과 등급 S의 성과급은 얼마인가요?')).answer).not.toContain('300%');
    expect((await ask(t, outsider, '개발팀 야근 식대는 얼마인가요?')).answer).not.toContain('1만5천원');
    const forKim = await ask(t, kim, '성과 등급 S의 성과급은 얼마인가요?');
    expect(forKim.answer).toContain('300%');
    expect(forKim.sources[0]?.url).toBe(webOf('1004', '보너스 지급 기준'));
    expect((await ask(t, park, '개발팀 야근 식대는 얼마인가요?')).answer).toContain('1만5천원');
  });

  it('a second run with nothing changed reads no page again', async () => {
    const before = bodyRequests('1002');
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ added: 0, changed: 0, unchanged: 6, deleted: 0, failed: 0 });
    expect(bodyRequests('1002')).toBe(before);
  });

  it('follows an edit and a renamed parent', async () => {
    const leave = fake.pages.get('1002')!;
    leave.storage = LEAVE(20);
    leave.version = 2;
    fake.pages.get('1001')!.title = '인사 규정집';
    fake.pages.get('1001')!.version = 2;
    const run = await runSource(t, sourceId);
    // The edited page, the renamed root, and every page under it (their path is in their text); the
    // attachment's text does not name its page, so it is not read again.
    expect(run).toMatchObject({ added: 0, changed: 5, unchanged: 1, deleted: 0, failed: 0 });
    const answer = await ask(t, t.admin, '입사 첫해 연차 휴가는 며칠인가요?');
    expect(answer.answer).toContain('20일');
    expect(answer.answer).not.toContain('15일');
    expect(answer.sources[0]?.section).toContain('인사 규정집');
  });

  it('a reader removed at the source no longer gets the page in the next answer', async () => {
    const bonus = fake.pages.get('1004')!;
    bonus.readUsers = [];
    // Cloud's v2 listing carries no restrictions, so a change there is read when the page changes (see the connector).
    if (cloud) bonus.version = 2;
    await runSource(t, sourceId);
    expect((await ask(t, kim, '성과 등급 S의 성과급은 얼마인가요?')).answer).not.toContain('300%');
    // The group that is still named keeps it.
    expect((await ask(t, park, '성과 등급 S의 성과급은 얼마인가요?')).answer).toContain('300%');
  });

  it('deletes a page gone from the space, with its attachment', async () => {
    fake.pages.delete('1003');
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ deleted: 2, failed: 0 });
    const english = await ask(t, t.admin, 'What is the daily travel allowance abroad?');
    expect(english.sources.some((s) => s.title === 'Travel allowance')).toBe(false);
  });

  it('resumes a run that crashed after storing a page but before indexing it, without a duplicate', async () => {
    seed(fake);
    const store = createSourceStore(t.database.db);
    const started = await store.startRun(sourceId);
    const bytes = new TextEncoder().encode('<p>half-written by the crashed run</p>');
    await t.engine.documents.upsertUpload({
      collectionId,
      sourceKey: sourceKeyOf(sourceId, 'page:1003'),
      title: 'Expense policy',
      filename: 'confluence-page-1003.html',
      mimeType: 'text/html',
      bytes,
      sha256: sha256Hex(bytes),
      uploadedBy: null,
    });
    const run = await runSource(t, sourceId);
    expect(run.number).toBe(started.run.number);
    expect(run).toMatchObject({ state: 'idle', failed: 0 });
    const docs = await documentsOf(t, sourceId);
    expect(docs.filter((d) => d.source_key === sourceKeyOf(sourceId, 'page:1003'))).toHaveLength(1);
    expect(new Set(docs.map((d) => d.source_key)).size).toBe(docs.length);
    expect(docs.every((d) => d.status === 'ready')).toBe(true);
    const english = await ask(t, t.admin, 'How many days do I have to submit expense reports?');
    expect(english.answer).toContain('30 days');
  });

  it('waits out a 429 with its Retry-After', async () => {
    fake.throttleOnce.set(cloud ? '/wiki/api/v2/spaces' : '/confluence/rest/api/content', '7');
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', failed: 0 });
    expect(waits).toContain(7000);
  });

  it('a wrong token fails the run with what to check, and deletes nothing', async () => {
    const wrong = await addSource('not-the-token');
    const run = await runSource(t, wrong);
    expect(run.state).toBe('failed');
    expect(run.error).toContain('Confluence refused the credentials (HTTP 401)');
    expect((await documentsOf(t, sourceId)).length).toBe(6);
  });
});

describe("Atlassian's recorded reference payloads, as they are", () => {
  const fixture = (name: string) =>
    readFile(new URL(`../fixtures/connectors/confluence/${name}`, import.meta.url), 'utf8');
  const context = {
    signal: new AbortController().signal,
    known: async () => null,
    knownMany: async () => new Map(),
  };

  it('Cloud v2: the spaces list and a MultiEntityResult<Page> page (schema placeholders) are read, and `_links.next` followed', async () => {
    const fake = await startFakeConfluence({ deployment: 'cloud', email: EMAIL, token: TOKEN });
    try {
      fake.verbatim.set('/wiki/api/v2/spaces', await fixture('v2-spaces-list.docs.json'));
      fake.verbatim.set(
        '/wiki/api/v2/spaces/%3Cstring%3E/pages',
        await fixture('v2-labels-id-pages.docs.json'),
      );
      // Its next link is the placeholder "<string>"; the page after it is built here, empty and final.
      fake.verbatim.set('/wiki/%3Cstring%3E', '{"results":[],"_links":{}}');
      const connector = createConfluenceConnector(
        {
          deployment: 'cloud',
          baseUrl: fake.baseUrl,
          spaceKeys: ['<string>'],
          email: EMAIL,
          attachments: false,
        },
        TOKEN,
        { maxBytes: 1_000_000 },
      );
      const changes = [];
      for await (const batch of connector.listChanges(null, context)) changes.push(...batch.changes);
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ kind: 'upsert', item: { externalId: 'page:<string>' } });
      expect(changes[0]?.kind === 'upsert' && changes[0].item.version.startsWith('19:')).toBe(true);
      expect(fake.requests).toContain('/wiki/%3Cstring%3E');
    } finally {
      await fake.close();
    }
  });

  it('Server v1: the content list of a real local instance is read with its start/limit/size', async () => {
    const fake = await startFakeConfluence({ deployment: 'server', email: EMAIL, token: TOKEN });
    try {
      fake.verbatim.set(
        '/confluence/rest/api/content',
        await fixture('server-v1-content-type-page-spaceKey.docs.json'),
      );
      const connector = createConfluenceConnector(
        { deployment: 'server', baseUrl: fake.baseUrl, spaceKeys: ['TEST'], attachments: false },
        TOKEN,
        { maxBytes: 1_000_000 },
      );
      const changes = [];
      for await (const batch of connector.listChanges(null, context)) changes.push(...batch.changes);
      expect(changes).toEqual([
        { kind: 'upsert', item: { externalId: 'page:589828', version: expect.stringMatching(/^0:/) } },
      ]);
      // size 1 < limit 25 and no `_links.next`: one request, no second page asked for.
      expect(fake.requests.filter((r) => r.startsWith('/confluence/rest/api/content?'))).toHaveLength(1);
      expect(await connector.listReaders({ externalId: 'page:589828', version: '0' }, context)).toBeNull();
    } finally {
      await fake.close();
    }
  });
});

describe('Confluence settings', () => {
  it('are checked field by field, in words an admin can act on', () => {
    expect(() =>
      parseSourceConfig('confluence', {
        deployment: 'cloud',
        baseUrl: 'https://contoso.atlassian.net',
        spaceKeys: ['HR'],
      }),
    ).toThrow('email: Confluence Cloud needs the e-mail of the account the API token belongs to');
    expect(() =>
      parseSourceConfig('confluence', {
        deployment: 'server',
        baseUrl: 'https://wiki.contoso.example',
        spaceKeys: [],
      }),
    ).toThrow('spaceKeys: name at least one space key');
    expect(
      parseSourceConfig('confluence', {
        deployment: 'server',
        baseUrl: 'https://wiki.contoso.example/confluence',
        spaceKeys: ['인사'],
      }),
    ).toEqual({
      deployment: 'server',
      baseUrl: 'https://wiki.contoso.example/confluence',
      spaceKeys: ['인사'],
      attachments: true,
    });
  });
});
