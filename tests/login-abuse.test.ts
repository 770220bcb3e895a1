/**
 * Wrong logins as a denial of service (issue 19): argon2 must not hold the database while it runs, a
 * flood beyond the hashing bound gets 429s, and an attacker elsewhere cannot lock the owner out.
 */
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '#db';
import { passwordLogin } from '../admin/api/password-login.ts';
import { createRateLimiter } from '../admin/api/rate-limiter.ts';
import { buildAdminApp, errorCode, userWithRole } from './support/admin.ts';
import { createTestEngine, type TestEngine } from './support/engine.ts';

let t: TestEngine;
let app: FastifyInstance;
const LOGIN =
  'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }';

beforeAll(async () => {
  t = await createTestEngine({
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    LOGIN_MAX_FAILURES: '3',
    LOGIN_HASH_CONCURRENCY: '1',
  });
  app = await buildAdminApp(t);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

function login(email: string, password: string, remoteAddress = '127.0.0.1') {
  return app.inject({
    method: 'POST',
    url: '/graphql',
    remoteAddress,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ query: LOGIN, variables: { email, password } }),
  });
}

describe('password login under attack', () => {
  it('keeps the owner’s usual address signing in while an attacker elsewhere locks the account', async () => {
    const owner = await userWithRole(t, 'admin', {
      password: '관리자-비밀번호-2026',
      email: '김관리@example.com',
    });
    expect(
      (await login(owner.email, '관리자-비밀번호-2026', '10.20.0.5')).json().data?.login?.token,
    ).toBeTruthy();

    const attacker = [];
    for (let i = 0; i < 5; i += 1)
      attacker.push(errorCode((await login(owner.email, `guess-${i}`, '198.51.100.9')).json()));
    expect(attacker.slice(0, 2)).toEqual(['unauthenticated', 'unauthenticated']);
    expect(attacker.slice(2)).toEqual(['rate_limited', 'rate_limited', 'rate_limited']);
    // The attacker's address stays locked out even with the right password …
    expect(errorCode((await login(owner.email, '관리자-비밀번호-2026', '198.51.100.9')).json())).toBe(
      'rate_limited',
    );
    // … and so does any other address the account has never signed in from,
    expect(errorCode((await login(owner.email, '관리자-비밀번호-2026', '203.0.113.4')).json())).toBe(
      'rate_limited',
    );
    // but the owner, from where they signed in before, gets in at once.
    const back = await login(owner.email, '관리자-비밀번호-2026', '10.20.0.5');
    expect(back.json().data?.login?.token).toBeTruthy();
    const [event] = await rows<{ data: { lockBypassedFromKnownAddress?: boolean } }>(
      t.database.db,
      sql`select data from audit_events where action = 'auth.login' and target_id = ${owner.id} order by id desc limit 1`,
    );
    expect(event?.data.lockBypassedFromKnownAddress).toBe(true);
  });

  it('answers a flood beyond the hashing bound with HTTP 429 and Retry-After', async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        login(`flood-${i}@example.com`, '틀린-비밀번호', `192.0.2.${i + 1}`),
      ),
    );
    const refused = responses.filter((r) => r.statusCode === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const response of refused) {
      expect(errorCode(response.json())).toBe('rate_limited');
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(
      responses.filter((r) => r.statusCode === 200).every((r) => errorCode(r.json()) === 'unauthenticated'),
    ).toBe(true);
  });

  it('does not hold the database while a password is being checked', async () => {
    const user = await userWithRole(t, 'member', { password: 'correct-horse-battery' });
    const order: string[] = [];
    let entered!: () => void;
    const hashing = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const attempt = passwordLogin(
      {
        db: t.database.db,
        policy: { maxFailures: 100, lockoutMinutes: 1, refreshTtlDays: 1 },
        byAddress: createRateLimiter({ limit: 100, windowMs: 60_000, scope: 'address' }),
        byEmail: createRateLimiter({ limit: 100, windowMs: 60_000, scope: 'email' }),
        hashGate: {
          run: async (work) => {
            entered();
            const result = await work();
            order.push('password checked');
            return result;
          },
        },
      },
      { email: user.email, password: 'wrong-password', meta: { ip: '10.9.9.9', userAgent: null } },
    ).catch(() => order.push('login refused'));
    await hashing;
    // While argon2 runs, another request's query goes through (PGlite has a single connection).
    await t.database.db.execute(sql`select 1`);
    order.push('other query');
    await attempt;
    expect(order).toEqual(['other query', 'password checked', 'login refused']);
  });
});
