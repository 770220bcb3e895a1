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
