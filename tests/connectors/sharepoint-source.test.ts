/**
 * SharePoint/OneDrive source against a loopback Microsoft Graph (tests/fakes/microsoft-graph.ts): the
 * conformance run the folder and website sources pass (first sync, change, deletion, resume after an
 * interrupted run without duplicates, permissions enforced in answers), plus Graph's own cases: rename and
 * move, a reader removed, 429 with Retry-After, an expired token, a delta token Graph no longer accepts (410),
 * a bad client secret, a link off the Graph origin.
 *
 * The token, token error, site drives and one item's permissions are Microsoft's recorded payloads served as
 * they are. The docs' delta examples are truncated (id, name, facets only), so the delta pages with full item
 * metadata (eTag, cTag, size, webUrl, parentReference, @microsoft.graph.downloadUrl), the site, /users/{id},
 * /content's 302 and the 410 resyncRequired answer are built from the Graph v1.0 reference:
 * https://learn.microsoft.com/graph/api/driveitem-delta, https://learn.microsoft.com/graph/api/resources/driveitem,
 * https://learn.microsoft.com/graph/api/driveitem-get-content, https://learn.microsoft.com/graph/api/site-getbypath,
 * https://learn.microsoft.com/graph/api/resources/permission.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, type Principal } from '#core';
import { rows, schema } from '#db';
import { createSourceStore } from '../../db/sources.ts';
import { createConnectorFactory, createSyncSourceHandler } from '../../workers/connectors/index.ts';
import {
  type FakeGraph,
  type FakeGraphFile,
  graphFixture,
  ONEDRIVE_ID,
  ONEDRIVE_OWNER,
  PROJECT_FILES,
  SHARED_DOCUMENTS,
  startFakeGraph,
} from '../fakes/microsoft-graph.ts';
import {
  buildCollection,
  buildUser,
  createTestEngine,
  silentLogger,
  type TestEngine,
} from '../support/engine.ts';
import { ask, buildSource, documentsOf, runSource } from './support.ts';

const SECRET_KEY = 'k'.repeat(40);
const HR_GROUP_ID = '02bd9fd6-8f93-4758-87c3-1fb73740a315';

const LEAVE_KO = `# 연차 휴가 규정

입사 첫해 직원에게는 연차 휴가 15일이 주어진다. 연차 휴가는 팀장의 승인을 받아 사용한다.
`;
const BONUS_KO = `# 보너스 지급 기준

성과 등급 S는 기본급의 300%를 성과급으로 받는다. 성과급은 매년 2월에 지급한다.
`;
const EXPENSES_EN = `# Expense policy

Submit expense reports within 30 days, with receipts attached, through the finance portal.
`;
const TRAVEL_EN = `# Travel policy

Economy class is booked for every flight shorter than six hours.
`;
const KICKOFF_EN = `# Project kickoff

The kickoff checklist has twelve items and the sponsor signs it before work starts.
`;

const permissions = {
  hr: {
    value: [
      { id: 'aTowIy5m', roles: ['read'], grantedToV2: { group: { id: HR_GROUP_ID, displayName: '인사팀' } } },
    ],
  },
  organisation: {
    value: [
      {
        id: 'org-link',
        roles: ['read'],
        link: { scope: 'organization', type: 'view', webUrl: 'https://contoso.sharepoint.com/:w:/s/HR/EaXy' },
      },
    ],
  },
  user: (email: string, name: string) => ({
    value: [
      {
        id: `user-${email}`,
        roles: ['write'],
        grantedToV2: {
          user: { id: `${email}-aad`, displayName: name, email },
          siteUser: { id: '12', displayName: name, loginName: `i:0#.f|membership|${email}` },
        },
      },
    ],
  }),
};

describe('SharePoint/OneDrive source (Microsoft Graph)', () => {
  let graph: FakeGraph;
  let t: TestEngine;
  let collectionId: string;
  let sourceId: string;
  const waits: number[] = [];
  let hr: Principal;
  let kim: Principal;
  let robin: Principal;
  let outsider: Principal;
  const files: Record<string, FakeGraphFile> = {};

  const put = (file: FakeGraphFile) => {
    files[file.id] = file;
    graph.put(file);
  };
  const url = (id: string) => graph.webUrlOf(files[id]!);
  const cited = async (who: Principal, question: string) =>
    (await ask(t, who, question)).sources.map((source) => source.url);
  const buildGraphSource = async (secret: string, config: Record<string, unknown> = {}) => {
    const id = await buildSource(t, {
      kind: 'sharepoint',
      collectionId,
      config: { tenantId: graph.tenantId, clientId: graph.clientId, site: graph.siteUrl, ...config },
    });
    await t.database.db
      .update(schema.sources)
      .set({ secret: createSecretBox(SECRET_KEY).seal(secret) })
      .where(eq(schema.sources.id, id));
    return id;
  };
  const tokenRequests = () => graph.requests.filter((r) => r.host === 'login').length;

  beforeAll(async () => {
    graph = await startFakeGraph();
    t = await createTestEngine(
      {
        INGEST_THREADS: '0',
        CONNECTOR_SECRET_KEY: SECRET_KEY,
        MICROSOFT_GRAPH_URL: graph.apiUrl,
        MICROSOFT_LOGIN_URL: graph.loginUrl,
      },
      { connectorHttp: { sleep: async (ms) => void waits.push(ms), maxAttempts: 3 } },
    );
    await t.database.db.insert(schema.groups).values({ name: '인사팀', externalId: HR_GROUP_ID });
    hr = await buildUser(t, { email: 'hr.choi@contoso.example', groups: ['인사팀'] });
    kim = await buildUser(t, { email: 'kim.minsu@contoso.example' });
    robin = await buildUser(t, { email: 'robin@contoso.example' });
    outsider = await buildUser(t, { email: 'lee@contoso.example' });
    // The user of the recorded permissions (grantedToV2.user.id only, no e-mail): /users/{id} names them.
    graph.users.set('5D33DD65C6932946', 'Robin@Contoso.example');
    collectionId = (await buildCollection(t, { everyone: true })).id;

    put({
      driveId: SHARED_DOCUMENTS,
      id: '01HRLEAVE',
      name: '연차-규정.md',
      folder: '인사',
      text: LEAVE_KO,
      permissions: permissions.hr,
    });
    put({
      driveId: SHARED_DOCUMENTS,
      id: '01BONUS',
      name: '보너스-지급-기준.md',
      folder: '인사',
      text: BONUS_KO,
      permissions: permissions.user('kim.minsu@contoso.example', '김민수'),
    });
    put({
      driveId: SHARED_DOCUMENTS,
      id: '01EXPENSE',
      name: 'expenses.md',
      folder: '',
      text: EXPENSES_EN,
      permissions: permissions.organisation,
      downloadUrl: false,
    });
    put({
      driveId: SHARED_DOCUMENTS,
      id: '01TRAVEL',
      name: 'travel.md',
      folder: '',
      text: TRAVEL_EN,
      permissions: graphFixture('driveitem-permissions.graph-docs.json'),
    });
    put({
      driveId: PROJECT_FILES,
      id: '01KICKOFF',
      name: 'kickoff.md',
      folder: 'Plans',
      text: KICKOFF_EN,
      permissions: permissions.organisation,
    });
    sourceId = await buildGraphSource(graph.clientSecret);
  });
  afterAll(async () => {
    await t?.close();
    await graph?.close();
  });

  it('a wrong client secret fails the run with Microsoft sign-in’s reason, and never shows the secret', async () => {
    const wrong = await buildGraphSource('not-the-secret');
    const run = await runSource(t, wrong);
    expect(run.state).toBe('failed');
    expect(run.error).toContain(
      "Microsoft sign-in refused the app's credentials (invalid_scope: AADSTS70011: The provided value for the input parameter 'scope' is not valid.",
    );
    expect(run.error).not.toContain('Trace ID');
    expect(run.error).not.toContain('not-the-secret');
    await t.database.db.delete(schema.sources).where(eq(schema.sources.id, wrong));
  });

  it('first sync: every library of the site, folders skipped, Korean and English answers cite the webUrl', async () => {
    const before = tokenRequests();
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', added: 5, changed: 0, deleted: 0, failed: 0, error: null });
    const docs = await documentsOf(t, sourceId);
    expect(docs.map((d) => [d.title, d.source_url, d.status]).sort()).toEqual(
      [
        ['Expense policy', url('01EXPENSE'), 'ready'],
        ['Project kickoff', url('01KICKOFF'), 'ready'],
        ['Travel policy', url('01TRAVEL'), 'ready'],
        ['보너스 지급 기준', url('01BONUS'), 'ready'],
        ['연차 휴가 규정', url('01HRLEAVE'), 'ready'],
      ].sort(),
    );
    // One token for the whole run; the token only ever went to Graph, never to the download host.
    expect(tokenRequests() - before).toBe(1);
    const downloads = graph.requests.filter((r) => r.host === 'download');
    expect(downloads.length).toBe(5);
    expect(downloads.every((r) => r.authorization === null)).toBe(true);
    // The item without a downloadUrl came through /content's 302.
    expect(graph.requests.some((r) => r.url.endsWith('/items/01EXPENSE/content'))).toBe(true);
    expect(graph.unexpected).toEqual([]);

    const korean = await ask(t, hr, '입사 첫해 연차 휴가는 며칠인가요?');
    expect(korean.answered).toBe(true);
    expect(korean.answer).toContain('15일');
    expect(korean.sources[0]?.url).toBe(url('01HRLEAVE'));
    const english = await ask(t, outsider, 'How many days do I have to submit expense reports?');
    expect(english.answered).toBe(true);
    expect(english.sources[0]?.url).toBe(url('01EXPENSE'));
  });

  it('a user not among an item’s readers never sees it; its readers do', async () => {
    const leave = '입사 첫해 연차 휴가는 며칠인가요?';
    expect(await cited(hr, leave)).toContain(url('01HRLEAVE'));
    for (const who of [kim, robin, outsider]) expect(await cited(who, leave)).not.toContain(url('01HRLEAVE'));

    const bonus = '성과 등급 S의 성과급은 얼마인가요?';
    expect(await cited(kim, bonus)).toContain(url('01BONUS'));
    for (const who of [hr, robin, outsider]) expect(await cited(who, bonus)).not.toContain(url('01BONUS'));

    // travel.md carries Microsoft's recorded permissions: a scope-less link and an app link name no one, the
    // user is looked up by id (/users/{id}) and is Robin.
    const travel = 'Which class is booked for flights shorter than six hours?';
    expect(await cited(robin, travel)).toContain(url('01TRAVEL'));
    for (const who of [hr, kim, outsider]) expect(await cited(who, travel)).not.toContain(url('01TRAVEL'));

    // An organisation-wide link: everyone the collection allows.
    for (const who of [hr, kim, robin, outsider]) {
      expect(await cited(who, 'How many items does the kickoff checklist have?')).toContain(url('01KICKOFF'));
    }
  });

  it('an incremental sync reads only the changes since the deltaLink; a removed reader loses the document', async () => {
    const seen = graph.requests.length;
    put({ ...files['01HRLEAVE']!, text: LEAVE_KO.replace('15일', '20일') });
    put({ ...files['01BONUS']!, permissions: permissions.user('lee@contoso.example', '이영희') });
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', added: 0, changed: 1, deleted: 0, failed: 0 });
    const deltas = graph.requests.slice(seen).filter((r) => r.url.includes('/root/delta'));
    expect(deltas.length).toBe(2);
    expect(deltas.every((r) => r.url.includes('?token='))).toBe(true);
    // Asked so that a change of sharing alone is reported (the removed reader below).
    expect(deltas.every((r) => r.prefer?.includes('deltashowsharingchanges'))).toBe(true);
    expect(graph.requests.slice(seen).filter((r) => r.host === 'download').length).toBe(2);

    const answer = await ask(t, hr, '입사 첫해 연차 휴가는 며칠인가요?');
    expect(answer.answer).toContain('20일');
    expect(answer.answer).not.toContain('15일');
    const bonus = '성과 등급 S의 성과급은 얼마인가요?';
    expect(await cited(kim, bonus)).not.toContain(url('01BONUS'));
    expect(await cited(outsider, bonus)).toContain(url('01BONUS'));
  });

  it('a renamed and moved file is cited at its new place', async () => {
    const before = url('01EXPENSE');
    put({ ...files['01EXPENSE']!, name: 'expense-policy.md', folder: '재무' });
    expect(url('01EXPENSE')).not.toBe(before);
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', added: 0, deleted: 0, failed: 0 });
    const english = await ask(t, outsider, 'How many days do I have to submit expense reports?');
    expect(english.sources[0]?.url).toBe(url('01EXPENSE'));
    expect((await documentsOf(t, sourceId)).length).toBe(5);
  });

  it('a deleted item is removed and no longer cited', async () => {
    graph.remove(SHARED_DOCUMENTS, '01TRAVEL');
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', deleted: 1, added: 0, failed: 0 });
    expect((await documentsOf(t, sourceId)).map((d) => d.title)).not.toContain('Travel policy');
    expect(await cited(robin, 'Which class is booked for flights shorter than six hours?')).not.toContain(
      url('01TRAVEL'),
    );
  });

  it('waits exactly as long as a 429’s Retry-After asks', async () => {
    waits.length = 0;
    graph.throttle(1, 7);
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', failed: 0, error: null });
    expect(waits).toEqual([7000]);
  });

  it('an expired token is renewed once on the 401 and the run goes on', async () => {
    put({ ...files['01KICKOFF']!, text: KICKOFF_EN.replace('twelve', 'fifteen') });
    // The token dies mid-run, as the run asks for its first changes.
    let expired = false;
    graph.onRequest = (request) => {
      if (!expired && request.url.includes('/root/delta')) {
        expired = true;
        graph.expireTokens();
      }
    };
    const seen = graph.requests.length;
    const run = await runSource(t, sourceId);
    graph.onRequest = null;
    expect(run).toMatchObject({ state: 'idle', changed: 1, failed: 0, error: null });
    const during = graph.requests.slice(seen);
    // The run's first token, then one more after the 401, and the refused delta request asked again.
    expect(during.filter((r) => r.host === 'login').length).toBe(2);
    expect(during.filter((r) => r.url.includes('/root/delta')).length).toBe(3);
    expect((await ask(t, outsider, 'How many items does the kickoff checklist have?')).answer).toContain(
      'fifteen',
    );
  });

  it('a delta token Graph no longer accepts (410) starts over, and what the fresh listing leaves out is deleted', async () => {
    put({
      driveId: PROJECT_FILES,
      id: '01BUDGET',
      name: '예산-편성.md',
      folder: 'Plans',
      text: '# 예산 편성 지침\n\n부서 예산은 매년 11월 30일까지 제출한다.\n',
      permissions: permissions.organisation,
    });
    graph.vanish(PROJECT_FILES, '01KICKOFF');
    graph.forgetDeltaTokens();
    const seen = graph.requests.length;
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', added: 1, changed: 0, deleted: 1, failed: 0, error: null });
    // Nothing unchanged was downloaded again: only the new file.
    expect(graph.requests.slice(seen).filter((r) => r.host === 'download').length).toBe(1);
    const titles = (await documentsOf(t, sourceId)).map((d) => d.title).sort();
    expect(titles).toEqual(['Expense policy', '보너스 지급 기준', '연차 휴가 규정', '예산 편성 지침'].sort());
    const answer = await ask(t, hr, '부서 예산은 언제까지 제출하나요?');
    expect(answer.answer).toContain('11월 30일');
  });

  it('resumes a run interrupted mid-sync from its nextLink: nothing duplicated, nothing lost', async () => {
    const fresh = await buildGraphSource(graph.clientSecret);
    const handler = createSyncSourceHandler({
      sources: createSourceStore(t.database.db),
      documents: t.engine.documents,
      ingestor: t.engine.ingestor,
      connectorFor: createConnectorFactory({
        maxBytes: t.config.MAX_UPLOAD_BYTES,
        maxPages: 10,
        graph: { apiUrl: graph.apiUrl, loginUrl: graph.loginUrl },
      }),
      secrets: createSecretBox(SECRET_KEY),
      logger: silentLogger,
    });
    const controller = new AbortController();
    // The worker stops (SIGTERM) as the third page is asked for: pages one and two are stored, the cursor saved.
    let pages = 0;
    graph.onRequest = (request) => {
      if (request.url.includes('$skiptoken') && ++pages === 2) controller.abort(new Error('worker stopped'));
    };
    await expect(
      handler({ sourceId: fresh, manual: true }, { attempt: 1, signal: controller.signal }),
    ).rejects.toThrow();
    graph.onRequest = null;
    const [left] = await rows<{ state: string; cursor: string | null; run_number: number }>(
      t.database.db,
      sql`select state, cursor, run_number from sources where id = ${fresh}`,
    );
    expect(left?.state).toBe('running');
    expect(left?.cursor).toContain('$skiptoken');
    // Page one held the root and a folder, page two a folder and one file.
    expect((await documentsOf(t, fresh)).length).toBe(1);

    const seen = graph.requests.length;
    const run = await runSource(t, fresh);
    expect(run).toMatchObject({ state: 'idle', number: left!.run_number, added: 4, failed: 0, error: null });
    // It went on from the saved nextLink instead of listing the first drive from scratch again.
    const resumed = graph.requests
      .slice(seen)
      .filter((r) => r.url.includes(`/drives/${SHARED_DOCUMENTS}/root/delta`));
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.every((r) => r.url.includes('$skiptoken'))).toBe(true);
    const docs = await documentsOf(t, fresh);
    expect(docs.length).toBe(4);
    expect(new Set(docs.map((d) => d.source_key)).size).toBe(4);
    expect(docs.every((d) => d.status === 'ready')).toBe(true);
  });

  it('a delta page whose nextLink leaves the Graph origin stops the run: the token is not sent there', async () => {
    // Microsoft's recorded first page, as it is: its nextLink points at https://graph.microsoft.com.
    graph.serveNextDelta(graphFixture('delta-page1-nextLink.json'));
    const other = await buildGraphSource(graph.clientSecret, { driveId: SHARED_DOCUMENTS });
    const run = await runSource(t, other);
    expect(run.state).toBe('failed');
    expect(run.error).toContain('Microsoft Graph sent a link to another host (https://graph.microsoft.com)');
    expect((await documentsOf(t, other)).length).toBe(0);
    expect(graph.unexpected).toEqual([]);
  });

  it('a person’s OneDrive: their drive found by e-mail, synced and cited by its webUrl', async () => {
    put({
      driveId: ONEDRIVE_ID,
      id: '01MEMO',
      name: '인수인계-메모.md',
      folder: '',
      text: '# 인수인계 메모\n\n서버 점검은 매월 셋째 주 토요일 새벽 2시에 진행한다.\n',
      permissions: permissions.user(ONEDRIVE_OWNER, 'Megan Bowen'),
    });
    const megan = await buildUser(t, { email: ONEDRIVE_OWNER.toLowerCase() });
    const onedrive = await buildGraphSource(graph.clientSecret, { site: undefined, user: ONEDRIVE_OWNER });
    const run = await runSource(t, onedrive);
    expect(run).toMatchObject({ state: 'idle', added: 1, failed: 0, error: null });
    const answer = await ask(t, megan, '서버 점검은 언제 하나요?');
    expect(answer.answered).toBe(true);
    expect(answer.sources[0]?.url).toBe(url('01MEMO'));
    expect(await cited(outsider, '서버 점검은 언제 하나요?')).not.toContain(url('01MEMO'));
    expect(graph.unexpected).toEqual([]);
  });
});
