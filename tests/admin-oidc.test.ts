/** OIDC single sign-on against a local fake provider: code flow with PKCE, groups mapped by external id. */
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#core';
import { rows } from '#db';
import { type FakeOidcProvider, startFakeOidcProvider } from './fakes/oidc-provider.ts';
import {
  buildAdminApp,
  cookieFrom,
  gqlOk,
  issueToken,
  setCookieLine,
  userWithRole,
} from './support/admin.ts';
import { createTestEngine, type TestEngine } from './support/engine.ts';

let t: TestEngine;
let app: FastifyInstance;
let idp: FakeOidcProvider;
let admin: string;

beforeAll(async () => {
  idp = await startFakeOidcProvider();
  t = await createTestEngine();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://localhost:3000',
    OIDC_ISSUER_URL: idp.issuer,
    OIDC_CLIENT_ID: idp.clientId,
    OIDC_CLIENT_SECRET: idp.clientSecret,
  });
  app = await buildAdminApp({ ...t, config });
  admin = await issueToken(t.database.db, t.admin.userId);
  await gqlOk(app, 'mutation { createGroup(name: "Engineering", externalId: "eng") { id } }', {}, admin);
  await gqlOk(app, 'mutation { createGroup(name: "Finance", externalId: "fin") { id } }', {}, admin);
  await gqlOk(app, 'mutation { createGroup(name: "Local club") { id } }', {}, admin);
});
afterEach(() => {
  expect(idp.unexpected).toEqual([]);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
  await idp?.close();
});

/** Follows the browser through start → provider → callback; returns the callback's response. */
async function signInThroughProvider(
  options: { returnTo?: string; tamperState?: boolean; dropStateCookie?: boolean } = {},
) {
  const start = await app.inject({
    url: `/auth/oidc/start${options.returnTo ? `?returnTo=${encodeURIComponent(options.returnTo)}` : ''}`,
  });
  expect(start.statusCode).toBe(302);
  const authorize = new URL(start.headers.location as string);
  const stateCookie = cookieFrom(start, 'exgpt_oidc')!;
  const atProvider = await fetch(authorize, { redirect: 'manual' });
  expect(atProvider.status).toBe(302);
  const callback = new URL(atProvider.headers.get('location')!);
  if (options.tamperState) callback.searchParams.set('state', 'forged-state');
  return {
    start,
    authorize,
    callback: await app.inject({
      url: `${callback.pathname}${callback.search}`,
      headers: options.dropStateCookie ? {} : { cookie: `exgpt_oidc=${stateCookie}` },
    }),
  };
}

async function sessionOf(callback: Awaited<ReturnType<typeof signInThroughProvider>>['callback']) {
  const refresh = await app.inject({
    method: 'POST',
    url: '/auth/refresh',
    headers: { 'x-exgpt-csrf': '1', cookie: `exgpt_refresh=${cookieFrom(callback, 'exgpt_refresh')}` },
  });
  expect(refresh.statusCode).toBe(200);
  return refresh.json().token as string;
}

async function groupsOf(token: string): Promise<string[]> {
  const data = await gqlOk<{ me: { groups: { name: string }[] } }>(
    app,
    '{ me { groups { name } } }',
    {},
    token,
  );
  return data.me.groups.map((g) => g.name);
}

describe('OIDC sign-in', () => {
  it('is offered on the sign-in page', async () => {
    const data = await gqlOk<{ signInOptions: unknown }>(
      app,
      '{ signInOptions { password sso ssoStartPath } }',
    );
    expect(data.signInOptions).toEqual({ password: true, sso: true, ssoStartPath: '/auth/oidc/start' });
  });

  it('signs a new user in with code + PKCE, creates them as a member, and maps the provider’s groups', async () => {
    idp.nextUser = {
      sub: 'alice-1',
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice',
      groups: ['eng', 'unknown-group'],
    };
    const { start, authorize, callback } = await signInThroughProvider({ returnTo: '/documents' });
    expect(authorize.origin).toBe(idp.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe('http://localhost:3000/auth/oidc/callback');
    expect(setCookieLine(start, 'exgpt_oidc')).toMatch(/HttpOnly.*SameSite=Lax|SameSite=Lax.*HttpOnly/);
    expect(setCookieLine(start, 'exgpt_oidc')).toMatch(/Path=\/auth\/oidc/);

    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/documents');
    expect(setCookieLine(callback, 'exgpt_refresh')).toMatch(/SameSite=Strict/);
    expect(setCookieLine(callback, 'exgpt_oidc')).toMatch(/Max-Age=0/);
    expect(idp.tokenRequests.at(-1)?.get('code_verifier')).toBeTruthy();

    const token = await sessionOf(callback);
    const me = await gqlOk<{ me: { email: string; role: string; name: string } }>(
      app,
      '{ me { email role name } }',
      {},
      token,
    );
    expect(me.me).toEqual({ email: 'alice@example.com', role: 'member', name: 'Alice' });
    expect(await groupsOf(token)).toEqual(['Engineering', 'everyone']);
    const [login] = await rows<{ data: { method: string; groups: string[] } }>(
      t.database.db,
      sql`select data from audit_events where action = 'auth.login' order by id desc limit 1`,
    );
    expect(login?.data).toMatchObject({ method: 'oidc', groups: ['Engineering'], created: true });
  });

  it('follows the provider on the next sign-in: SSO groups joined and left, local groups kept', async () => {
    const [alice] = await rows<{ id: string }>(
      t.database.db,
      sql`select id from users where email = 'alice@example.com'`,
    );
    const [club] = await rows<{ id: string }>(
      t.database.db,
      sql`select id from groups where name = 'Local club'`,
    );
    await t.database.db.execute(
      sql`insert into memberships (user_id, group_id) values (${alice!.id}, ${club!.id})`,
    );
    idp.nextUser = { sub: 'alice-1', email: 'alice@example.com', name: 'Alice', groups: ['fin'] };
    const token = await sessionOf((await signInThroughProvider()).callback);
    expect(await groupsOf(token)).toEqual(['Finance', 'Local club', 'everyone']);
    const users = await rows(t.database.db, sql`select 1 from users where email = 'alice@example.com'`);
    expect(users).toHaveLength(1);
  });

  it('links an existing account by e-mail address, keeping its role', async () => {
    const curator = await userWithRole(t, 'curator', { email: 'carol@example.com' });
    idp.nextUser = { sub: 'carol-sso', email: 'Carol@Example.com', email_verified: true, groups: [] };
    const token = await sessionOf((await signInThroughProvider()).callback);
    const me = await gqlOk<{ me: { id: string; role: string; identities: unknown[] } }>(
      app,
      '{ me { id role } }',
      {},
      token,
    );
    expect(me.me).toEqual({ id: curator.id, role: 'curator' });
    const identities = await gqlOk<{ identities: { nodes: { provider: string; externalId: string }[] } }>(
      app,
      `{ identities(userId: "${curator.id}") { nodes { provider externalId } } }`,
      {},
      admin,
    );
    expect(identities.identities.nodes).toEqual([{ provider: 'oidc', externalId: 'carol-sso' }]);
  });

  it('refuses a forged state, a missing state cookie, and disabled users, without a session', async () => {
    idp.nextUser = { sub: 'mallory', email: 'mallory@example.com', groups: [] };
    for (const attempt of [{ tamperState: true }, { dropStateCookie: true }]) {
      const { callback } = await signInThroughProvider(attempt);
      expect(callback.statusCode).toBe(302);
      expect(callback.headers.location).toMatch(/^\/\?sign_in_error=/);
      expect(cookieFrom(callback, 'exgpt_refresh')).toBeNull();
    }
    expect(
      await rows(t.database.db, sql`select 1 from users where email = 'mallory@example.com'`),
    ).toHaveLength(0);

    const [alice] = await rows<{ id: string }>(
      t.database.db,
      sql`select id from users where email = 'alice@example.com'`,
    );
    await gqlOk(app, 'mutation($id: ID!) { disableUser(id: $id) { id } }', { id: alice!.id }, admin);
    idp.nextUser = { sub: 'alice-1', email: 'alice@example.com', groups: [] };
    const { callback } = await signInThroughProvider();
    expect(callback.headers.location).toBe('/?sign_in_error=forbidden');
    expect(cookieFrom(callback, 'exgpt_refresh')).toBeNull();
  });

  it('never redirects off-site after sign-in', async () => {
    idp.nextUser = { sub: 'dave', email: 'dave@example.com', groups: [] };
    const { callback } = await signInThroughProvider({ returnTo: '//evil.example/phish' });
    expect(callback.headers.location).toBe('/');
  });

  // What a browser does with the Location header decides: each value is followed as Chromium would
  // resolve it, against the console's own origin.
  const tricky: [string, string][] = [
    ['/\t/evil.example', '/'],
    ['/\n/evil.example', '/'],
    ['/\r\nSet-Cookie: x=1', '/'],
    ['/\\evil.example', '/'],
    ['/.//evil.example', '/'],
    ['/..//evil.example', '/'],
    ['/a/../..//evil.example', '/'],
    ['https://evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/\u3000evil.example', '/%E3%80%80evil.example'],
    [
      '/문서?검색=연차 휴가#본문',
      '/%EB%AC%B8%EC%84%9C?%EA%B2%80%EC%83%89=%EC%97%B0%EC%B0%A8%20%ED%9C%B4%EA%B0%80#%EB%B3%B8%EB%AC%B8',
    ],
    ['/documents?page=2', '/documents?page=2'],
  ];
  it.each(tricky)(
    'sends the browser for returnTo %j to a same-origin path (%s)',
    async (returnTo, expected) => {
      idp.nextUser = { sub: `eve-${returnTo.length}`, email: 'eve@example.com', groups: [] };
      const { callback } = await signInThroughProvider({ returnTo });
      expect(callback.statusCode).toBe(302);
      const location = callback.headers.location as string;
      expect(location).toBe(expected);
      expect(new URL(location, 'https://exgpt.example').origin).toBe('https://exgpt.example');
    },
  );
});
