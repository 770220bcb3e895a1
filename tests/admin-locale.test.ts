/** The console language each user chose, remembered server-side, and the suggested prompts per language. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSuggestedPrompts } from '#db';
import { buildAdminApp, errorCode, gql, gqlOk, issueToken, userWithRole } from './support/admin.ts';
import { createTestEngine, type TestEngine } from './support/engine.ts';

let t: TestEngine;
let app: FastifyInstance;
let admin: string;

beforeAll(async () => {
  t = await createTestEngine();
  app = await buildAdminApp(t);
  admin = await issueToken(t.database.db, t.admin.userId);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

describe('the console language', () => {
  it('is remembered per user and comes back with the user, for any role', async () => {
    const curator = await userWithRole(t, 'curator');
    expect(
      (await gqlOk<{ me: { locale: string | null } }>(app, '{ me { locale } }', {}, curator.token)).me.locale,
    ).toBeNull();
    await gqlOk(app, 'mutation { setMyLocale(locale: "ko") { locale } }', {}, curator.token);
    expect(
      (await gqlOk<{ me: { locale: string } }>(app, '{ me { locale } }', {}, curator.token)).me.locale,
    ).toBe('ko');
    // Another user's choice is their own.
    expect(
      (await gqlOk<{ me: { locale: string | null } }>(app, '{ me { locale } }', {}, admin)).me.locale,
    ).toBeNull();
  });

  it('refuses a language without a catalogue, with a clear message', async () => {
    const result = await gql(app, 'mutation { setMyLocale(locale: "fr") { locale } }', {}, { token: admin });
    expect(errorCode(result)).toBe('invalid_input');
    expect(result.errors?.[0]?.message).toMatch(/locale: must be one of en, ko/);
  });
});

describe("errors in the caller's language", () => {
  const korean = { 'accept-language': 'ko-KR,ko;q=0.9,en;q=0.8' };

  it('says a wrong password, a taken name and a bad input in Korean to a Korean console', async () => {
    const login = 'mutation { login(email: "nobody@example.com", password: "wrong-password-1") { token } }';
    const wrong = await gql(app, login, {}, { headers: korean });
    expect(errorCode(wrong)).toBe('unauthenticated');
    expect(wrong.errors?.[0]?.message).toBe('이메일 주소나 비밀번호가 틀렸습니다.');
    // Without a language, or with one that has no catalogue, English.
    const english = await gql(app, login, {}, { headers: { 'accept-language': 'fr-FR' } });
    expect(english.errors?.[0]?.message).toBe('Wrong e-mail address or password.');

    const create = 'mutation($n: String!) { createCollection(name: $n) { id } }';
    await gqlOk(app, create, { n: '인사 규정' }, admin);
    const taken = await gql(app, create, { n: '인사 규정' }, { token: admin, headers: korean });
    expect(errorCode(taken)).toBe('conflict');
    expect(taken.errors?.[0]?.message).toBe('같은 이름의 컬렉션이 이미 있습니다.');

    const empty = await gql(app, create, { n: '   ' }, { token: admin, headers: korean });
    expect(errorCode(empty)).toBe('invalid_input');
    expect(empty.errors?.[0]?.message).toMatch(/^입력이 올바르지 않습니다\. name: /);
  });

  it('says REST errors in Korean too', async () => {
    const missing = await app.inject({ method: 'GET', url: '/api/v1/nowhere', headers: korean });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toBe('GET /api/v1/nowhere 경로는 없습니다.');
    const member = await userWithRole(t, 'member');
    const document = await app.inject({
      method: 'GET',
      url: '/api/v1/documents/00000000-0000-4000-8000-000000000000',
      headers: { ...korean, authorization: `Bearer ${member.token}` },
    });
    expect(document.json().error).toMatchObject({ code: 'not_found', message: '해당 문서가 없습니다.' });
    const anonymous = await app.inject({
      method: 'GET',
      url: '/api/v1/documents/00000000-0000-4000-8000-000000000000',
      headers: korean,
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.message).toMatch(/인증 정보가 없습니다/);
  });
});

describe('suggested prompts', () => {
  const QUERY = '{ settings { suggestedPrompts { locale prompts { title message } } } }';

  it('lists every language, stores Korean prompts without touching English, and feeds them to Slack', async () => {
    const before = await gqlOk<{ settings: { suggestedPrompts: unknown } }>(app, QUERY, {}, admin);
    expect(before.settings.suggestedPrompts).toEqual([
      { locale: 'en', prompts: [] },
      { locale: 'ko', prompts: [] },
    ]);
    await gqlOk(
      app,
      'mutation($p: [SuggestedPromptsInput!]) { updateSettings(suggestedPrompts: $p) { retentionDays } }',
      {
        p: [{ locale: 'ko', prompts: [{ title: ' 복지 ', message: '복지 포인트는 어디에 쓸 수 있나요?' }] }],
      },
      admin,
    );
    const after = await gqlOk<{ settings: { suggestedPrompts: unknown } }>(app, QUERY, {}, admin);
    expect(after.settings.suggestedPrompts).toEqual([
      { locale: 'en', prompts: [] },
      { locale: 'ko', prompts: [{ title: '복지', message: '복지 포인트는 어디에 쓸 수 있나요?' }] },
    ]);
    expect(await readSuggestedPrompts(t.database.db, 'ko')).toEqual([
      { title: '복지', message: '복지 포인트는 어디에 쓸 수 있나요?' },
    ]);
  });

  it('refuses more than Slack shows, and an empty title', async () => {
    const five = Array.from({ length: 5 }, (_, i) => ({ title: `질문 ${i}`, message: '연차는 며칠인가요?' }));
    const tooMany = await gql(
      app,
      'mutation($p: [SuggestedPromptsInput!]) { updateSettings(suggestedPrompts: $p) { retentionDays } }',
      { p: [{ locale: 'ko', prompts: five }] },
      { token: admin },
    );
    expect(errorCode(tooMany)).toBe('invalid_input');
    expect(tooMany.errors?.[0]?.message).toMatch(/at most 4 prompts/);
    const empty = await gql(
      app,
      'mutation($p: [SuggestedPromptsInput!]) { updateSettings(suggestedPrompts: $p) { retentionDays } }',
      { p: [{ locale: 'ko', prompts: [{ title: ' ', message: '연차?' }] }] },
      { token: admin },
    );
    expect(errorCode(empty)).toBe('invalid_input');
  });
});
