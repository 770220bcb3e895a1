/** Console sign-in: login, lockout and rate limit, refresh rotation and reuse, CSRF, logout, REST with tokens. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '#core';
import { rows } from '#db';
import { resolveJwtSecret } from '../admin/api/index.ts';
import {
  buildAdminApp,
  cookieFrom,
  errorCode,
  gql,
  gqlOk,
  issueToken,
  setCookieLine,
  userWithRole,
} from './support/admin.ts';
import { DATABASE_KINDS } from './support/databases.ts';
import { buildCollection, createTestEngine, ingestText, type TestEngine } from './support/engine.ts';
import { multipartBody } from './support/multipart.ts';

describe.each(DATABASE_KINDS)('on %s', (kind) => {
  let t: TestEngine;
  let app: FastifyInstance;
  const LOGIN =
    'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token expiresAt user { email role } } }';
  const CSRF = { 'x-exgpt-csrf': '1' };

  beforeAll(async () => {
    t = await createTestEngine(
      {
        LOGIN_RATE_LIMIT_PER_MINUTE: '10000',
        LOGIN_MAX_FAILURES: '3',
        LOGIN_LOCKOUT_MINUTES: '15',
      },
      { databaseKind: kind },
    );
    app = await buildAdminApp(t);
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  async function login(email: string, password: string) {
    return gql(app, LOGIN, { email, password });
  }

  function refresh(cookie: string | null, headers: Record<string, string> = CSRF) {
    return app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: { ...headers, ...(cookie ? { cookie: `exgpt_refresh=${cookie}` } : {}) },
    });
  }

  describe('login', () => {
    it('returns a short-lived token and sets an httpOnly, SameSite=Strict refresh cookie limited to /auth', async () => {
      const result = await login('Admin@Example.com', 'admin-password-123');
      const data = result.data as {
        login: { token: string; expiresAt: string; user: { email: string; role: string } };
      };
      expect(data.login.user).toEqual({ email: 'admin@example.com', role: 'admin' });
      const lifetime = Date.parse(data.login.expiresAt) - Date.now();
      expect(lifetime).toBeGreaterThan(14 * 60_000);
      expect(lifetime).toBeLessThanOrEqual(15 * 60_000);
      const line = setCookieLine(result.response, 'exgpt_refresh')!;
      expect(line).toMatch(/HttpOnly/);
      expect(line).toMatch(/SameSite=Strict/);
      expect(line).toMatch(/Path=\/auth(;|$)/);
      const me = await gqlOk<{ me: { email: string; role: string } }>(
        app,
        '{ me { email role } }',
        {},
        data.login.token,
      );
      expect(me.me).toEqual({ email: 'admin@example.com', role: 'admin' });
    });

    it('says the same for an unknown address and a wrong password', async () => {
      const unknown = await login('nobody@example.com', 'whatever-password');
      const wrong = await login('admin@example.com', 'not-the-password');
      expect(errorCode(unknown)).toBe('unauthenticated');
      expect(unknown.errors?.[0]?.message).toBe(wrong.errors?.[0]?.message);
      expect(unknown.data).toBeNull();
    });

    it('locks the account after repeated failures, for longer each time, until an admin unlocks it', async () => {
      const user = await userWithRole(t, 'member', { password: 'correct-horse-battery' });
      for (let i = 0; i < 2; i += 1)
        expect(errorCode(await login(user.email, 'wrong'))).toBe('unauthenticated');
      const locked = await login(user.email, 'wrong');
      expect(errorCode(locked)).toBe('rate_limited');
      expect(locked.errors?.[0]?.message).toMatch(/locked for 15 minutes/);
      // The right password does not get in while the lock holds.
      expect(errorCode(await login(user.email, 'correct-horse-battery'))).toBe('rate_limited');
      const [row] = await rows<{ failed_logins: number; locked_until: Date }>(
        t.database.db,
        sql`select failed_logins, locked_until from users where id = ${user.id}`,
      );
      expect(row!.failed_logins).toBe(3);

      // Once the lock has passed, one more failure locks it for twice as long.
      await t.database.db.execute(
        sql`update users set locked_until = now() - interval '1 second' where id = ${user.id}`,
      );
      expect((await login(user.email, 'wrong')).errors?.[0]?.message).toMatch(/locked for 30 minutes/);

      const reasons = await rows<{ reason: string }>(
        t.database.db,
        sql`select data->>'reason' as reason from audit_events where action = 'auth.login_failed' and target_id = ${user.id} order by id`,
      );
      expect(reasons.map((r) => r.reason)).toEqual([
        'bad_password',
        'bad_password',
        'bad_password',
        'locked',
        'bad_password',
      ]);

      const admin = await issueToken(t.database.db, t.admin.userId);
      await gqlOk(app, 'mutation($id: ID!) { unlockUser(id: $id) { lockedUntil } }', { id: user.id }, admin);
      expect((await login(user.email, 'correct-horse-battery')).data).toMatchObject({
        login: { user: { role: 'member' } },
      });
    });

    it('limits attempts per client address', async () => {
      const strict = await buildAdminApp({
        ...t,
        config: loadConfig({ ...process.env, LOG_LEVEL: 'silent', LOGIN_RATE_LIMIT_PER_MINUTE: '3' }),
      });
      try {
        const codes = [];
        for (let i = 0; i < 4; i += 1) {
          codes.push(errorCode(await gql(strict, LOGIN, { email: `guess${i}@example.com`, password: 'x' })));
        }
        expect(codes).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated', 'rate_limited']);
      } finally {
        await strict.close();
      }
    });

    it('validates input with field-level messages', async () => {
      const admin = await issueToken(t.database.db, t.admin.userId);
      const result = await gql(
        app,
        'mutation { createUser(email: "not-an-email", password: "short") { id } }',
        {},
        { token: admin },
      );
      expect(errorCode(result)).toBe('invalid_input');
      expect(result.errors?.[0]?.extensions?.fields).toEqual({
        email: 'must be an e-mail address',
        password: 'must be at least 12 characters',
      });
    });
  });

  describe('refresh and logout', () => {
    it('rotates the refresh cookie on every use, and a reused cookie ends the whole session', async () => {
      const first = await login('admin@example.com', 'admin-password-123');
      const cookie1 = cookieFrom(first.response, 'exgpt_refresh')!;
      const token1 = (first.data as { login: { token: string } }).login.token;

      const second = await refresh(cookie1);
      expect(second.statusCode).toBe(200);
      const cookie2 = cookieFrom(second, 'exgpt_refresh')!;
      expect(cookie2).not.toBe(cookie1);
      const token2 = second.json().token as string;
      expect((await gqlOk<{ me: { email: string } }>(app, '{ me { email } }', {}, token2)).me.email).toBe(
        'admin@example.com',
      );

      const third = await refresh(cookie2);
      expect(third.statusCode).toBe(200);
      const cookie3 = cookieFrom(third, 'exgpt_refresh')!;

      // cookie1 was rotated away: presenting it again looks like theft.
      const reused = await refresh(cookie1);
      expect(reused.statusCode).toBe(401);
      expect(reused.json().error.code).toBe('unauthenticated');
      expect(setCookieLine(reused, 'exgpt_refresh')).toMatch(/Max-Age=0/);
      // The whole family is gone: the latest cookie and every access token of the session.
      expect((await refresh(cookie3)).statusCode).toBe(401);
      for (const token of [token1, token2, third.json().token as string]) {
        expect(errorCode(await gql(app, '{ me { email } }', {}, { token }))).toBe('unauthenticated');
      }
      const [event] = await rows<{ action: string }>(
        t.database.db,
        sql`select action from audit_events where action = 'auth.refresh_reuse' order by id desc limit 1`,
      );
      expect(event?.action).toBe('auth.refresh_reuse');
    });

    it('refuses cookie requests without the CSRF header or from another site', async () => {
      const signedIn = await login('admin@example.com', 'admin-password-123');
      const cookie = cookieFrom(signedIn.response, 'exgpt_refresh')!;
      for (const headers of [
        {},
        { ...CSRF, origin: 'https://evil.example' },
        { ...CSRF, 'sec-fetch-site': 'cross-site' },
      ]) {
        const response = await refresh(cookie, headers);
        expect(response.statusCode, JSON.stringify(headers)).toBe(403);
        expect(response.json().error.code).toBe('forbidden');
      }
      const logout = await app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: { cookie: `exgpt_refresh=${cookie}` },
      });
      expect(logout.statusCode).toBe(403);
      // Same-origin with the header works, and the refused attempts did not rotate anything.
      expect((await refresh(cookie, { ...CSRF, origin: 'http://localhost:80' })).statusCode).toBe(200);
    });

    it('refuses simple (non-preflighted) GraphQL requests without the CSRF header', async () => {
      const admin = await issueToken(t.database.db, t.admin.userId);
      const get = await app.inject({
        method: 'GET',
        url: '/graphql?query=%7Bme%7Bemail%7D%7D',
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(get.statusCode).toBe(403);
      const form = await app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'text/plain' },
        payload: JSON.stringify({
          query: 'mutation { login(email: "admin@example.com", password: "admin-password-123") { token } }',
        }),
      });
      expect(form.statusCode).toBe(403);
      expect(form.headers['set-cookie']).toBeUndefined();
      const allowed = await app.inject({
        method: 'GET',
        url: '/graphql?query=%7Bme%7Bemail%7D%7D',
        headers: { authorization: `Bearer ${admin}`, ...CSRF },
      });
      expect(allowed.json()).toEqual({ data: { me: { email: 'admin@example.com' } } });
    });

    it('logs out through REST or GraphQL: the cookie is cleared and the session ends', async () => {
      const viaRest = await login('admin@example.com', 'admin-password-123');
      const restToken = (viaRest.data as { login: { token: string } }).login.token;
      const response = await app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: { ...CSRF, cookie: `exgpt_refresh=${cookieFrom(viaRest.response, 'exgpt_refresh')}` },
      });
      expect(response.statusCode).toBe(204);
      expect(setCookieLine(response, 'exgpt_refresh')).toMatch(/Max-Age=0/);
      expect(errorCode(await gql(app, '{ me { email } }', {}, { token: restToken }))).toBe('unauthenticated');

      const viaGraphql = await login('admin@example.com', 'admin-password-123');
      const token = (viaGraphql.data as { login: { token: string } }).login.token;
      const out = await gql(app, 'mutation { logout }', {}, { token });
      expect(out.data).toEqual({ logout: true });
      expect(setCookieLine(out.response, 'exgpt_refresh')).toMatch(/Max-Age=0/);
      expect((await refresh(cookieFrom(viaGraphql.response, 'exgpt_refresh'))).statusCode).toBe(401);
    });

    it('ends a disabled user’s sessions at once', async () => {
      const user = await userWithRole(t, 'auditor');
      const admin = await issueToken(t.database.db, t.admin.userId);
      expect((await gqlOk<{ me: { role: string } }>(app, '{ me { role } }', {}, user.token)).me.role).toBe(
        'auditor',
      );
      await gqlOk(app, 'mutation($id: ID!) { disableUser(id: $id) { disabled } }', { id: user.id }, admin);
      expect(errorCode(await gql(app, '{ me { role } }', {}, { token: user.token }))).toBe('unauthenticated');
    });
  });

  describe('REST with the access token', () => {
    it('asks and uploads through /api/v1 with the token, under the same roles', async () => {
      const curator = await userWithRole(t, 'curator');
      const member = await userWithRole(t, 'member');
      const collection = await buildCollection(t, { name: 'token-docs' });
      await ingestText(t, {
        collectionId: collection.id,
        filename: 'parking.md',
        text: '# Parking\n\nVisitors park on level two.',
      });

      const ask = await app.inject({
        method: 'POST',
        url: '/api/v1/ask',
        headers: { authorization: `Bearer ${member.token}` },
        payload: { question: 'Where do visitors park?', collections: ['token-docs'] },
      });
      expect(ask.statusCode).toBe(200);
      expect(ask.json().answer).toMatch(/level two/);
      // Asked from the console (a token, not an API key): counted as the web platform in usage.
      const [conversation] = await rows<{ platform: string }>(
        t.database.db,
        sql`select platform from conversations where user_id = ${member.id}`,
      );
      expect(conversation?.platform).toBe('web');

      const body = multipartBody({ collection: 'token-docs' }, [
        { filename: 'notes.md', contentType: 'text/markdown', content: '# Notes\nhi' },
      ]);
      const upload = (token: string) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/documents',
          payload: body.payload,
          headers: { ...body.headers, authorization: `Bearer ${token}` },
        });
      expect((await upload(curator.token)).statusCode).toBe(202);
      expect((await upload(member.token)).statusCode).toBe(403);
      const forged = `${curator.token.slice(0, -4)}AAAA`;
      expect((await upload(forged)).statusCode).toBe(401);
    });
  });

  describe('JWT secret', () => {
    it('is generated once into DATA_DIR with mode 0600, and required in production', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'exgpt-jwt-'));
      const first = resolveJwtSecret({ NODE_ENV: 'development', JWT_SECRET: undefined }, dir);
      const second = resolveJwtSecret({ NODE_ENV: 'development', JWT_SECRET: undefined }, dir);
      expect(first).toBe(second);
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(readFileSync(path.join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first);
      expect(statSync(path.join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
      expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
      expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
        /JWT_SECRET: must be set when NODE_ENV=production/,
      );
      expect(() => loadConfig({ JWT_SECRET: 'too-short' })).toThrow(/JWT_SECRET: must be at least 32/);
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }).JWT_SECRET).toBe(
        'x'.repeat(40),
      );
    });
  });
});
