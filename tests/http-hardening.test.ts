/**
 * The web process's HTTP edges against the attacks of issue 19: cross-origin reads (CORS), forged proxy
 * headers (X-Forwarded-For/-Host/-Proto), content sniffing, plain http behind a TLS proxy, /metrics.
 */
import { type AddressInfo, createServer } from 'node:net';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#core';
import { rows } from '#db';
import { buildAdminApp, errorCode, gql } from './support/admin.ts';
import { createTestEngine, type TestEngine } from './support/engine.ts';

let t: TestEngine;
let plain: FastifyInstance;
const LOGIN =
  'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }';

beforeAll(async () => {
  t = await createTestEngine({ LOGIN_RATE_LIMIT_PER_MINUTE: '3' });
  plain = await buildAdminApp(t);
});
afterAll(async () => {
  await plain?.close();
  await t?.close();
});

async function appWith(env: Record<string, string>): Promise<FastifyInstance> {
  return buildAdminApp({ ...t, config: loadConfig({ LOG_LEVEL: 'silent', ...env }) });
}

function preflight(app: FastifyInstance, origin: string) {
  return app.inject({
    method: 'OPTIONS',
    url: '/graphql',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,x-exgpt-csrf',
    },
  });
}

describe('CORS', () => {
  it('grants no other origin anything by default', async () => {
    const response = await preflight(plain, 'https://evil.example');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    const post = await plain.inject({
      method: 'POST',
      url: '/graphql',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      payload: JSON.stringify({ query: '{ signInOptions { password } }' }),
    });
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows exactly the origins CORS_ORIGINS lists, with credentials', async () => {
    const app = await appWith({ CORS_ORIGINS: 'https://portal.example.com,https://인트라넷.example' });
    try {
      const allowed = await preflight(app, 'https://portal.example.com');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://portal.example.com');
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      // A Korean intranet name is matched in the punycode form browsers send.
      const korean = await preflight(app, new URL('https://인트라넷.example').origin);
      expect(korean.headers['access-control-allow-origin']).toBe('https://xn--t60bx2jz2of3k.example');
      const other = await preflight(app, 'https://evil.example');
      // Without its own origin echoed back, the browser keeps the response from the other page.
      expect(other.headers['access-control-allow-origin']).not.toBe('https://evil.example');
      expect(other.headers['access-control-allow-origin']).not.toBe('*');
    } finally {
      await app.close();
    }
  });

  it('refuses a malformed CORS_ORIGINS at start-up, naming it', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'https://portal.example.com/' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
  });
});

describe('proxy headers', () => {
  it('ignores X-Forwarded-For from anyone by default: rotating it does not dodge the login limit', async () => {
    const codes: unknown[] = [];
    for (let i = 0; i < 10; i += 1) {
      const response = await plain.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i + 1}` },
        payload: JSON.stringify({
          query: LOGIN,
          variables: { email: `spray-${i}@example.com`, password: '비밀번호-추측' },
        }),
      });
      codes.push(errorCode(response.json()));
    }
    expect(codes.filter((c) => c === 'unauthenticated')).toHaveLength(3);
    expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(7);
    const written = await rows<{ ip: string | null }>(
      t.database.db,
      sql`select ip from audit_events where action = 'auth.login_failed' and actor_label like 'spray-%'`,
    );
    expect(written.map((r) => r.ip)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  it('believes the proxies TRUST_PROXY names, and only them', async () => {
    const app = await appWith({ TRUST_PROXY: '10.0.0.0/8', LOGIN_RATE_LIMIT_PER_MINUTE: '100' });
    try {
      const attempt = (remoteAddress: string, email: string) =>
        app.inject({
          method: 'POST',
          url: '/graphql',
          remoteAddress,
          headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' },
          payload: JSON.stringify({ query: LOGIN, variables: { email, password: 'wrong-password' } }),
        });
      await attempt('10.1.2.3', 'through-proxy@example.com');
      await attempt('192.0.2.9', 'direct@example.com');
      const written = await rows<{ actor_label: string; ip: string | null }>(
        t.database.db,
        sql`select actor_label, ip from audit_events where actor_label in ('through-proxy@example.com', 'direct@example.com') order by id`,
      );
      expect(written).toEqual([
        { actor_label: 'through-proxy@example.com', ip: '198.51.100.7' },
        { actor_label: 'direct@example.com', ip: '192.0.2.9' },
      ]);
    } finally {
      await app.close();
    }
  });

  it('does not let a forged X-Forwarded-Host pass the same-origin check', async () => {
    const response = await plain.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: {
        'x-exgpt-csrf': '1',
        origin: 'https://evil.example',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
      },
    });
    expect(response.statusCode).toBe(403);
  });

  it('refuses a TRUST_PROXY that is neither a hop count nor addresses', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, fd00::/8, loopback' }).TRUST_PROXY).toEqual([
      '10.0.0.5',
      'fd00::/8',
      'loopback',
    ]);
  });
});

describe('response headers', () => {
  it('sends nosniff on every response: JSON, GraphQL, errors and unknown routes', async () => {
    const responses = [
      await plain.inject('/healthz'),
      await plain.inject('/no-such-route'),
      await plain.inject({ method: 'POST', url: '/api/v1/ask', payload: { question: '연차는?' } }),
      (await gql(plain, '{ signInOptions { password } }')).response,
    ];
    for (const response of responses) expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('sends Strict-Transport-Security when a trusted proxy says the request came over https', async () => {
    const app = await appWith({ TRUST_PROXY: '1' });
    try {
      const viaTls = await app.inject({ url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
      expect(viaTls.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
      const viaHttp = await app.inject({ url: '/healthz', headers: { 'x-forwarded-proto': 'http' } });
      expect(viaHttp.headers['strict-transport-security']).toBeUndefined();
    } finally {
      await app.close();
    }
    // Without a trusted proxy the header is anyone's word, so plain http never claims HSTS.
    const spoofed = await plain.inject({ url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
    expect(spoofed.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('API keys', () => {
  it('audits every use of a key: which key, whose, from where, on which route', async () => {
    const before = await rows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from audit_events where action = 'api_key.use'`,
    );
    for (let i = 0; i < 2; i += 1) {
      const response = await plain.inject({
        method: 'POST',
        url: '/api/v1/ask',
        headers: { authorization: `Bearer ${t.adminKey}` },
        payload: { question: '연차 휴가는 며칠인가요?' },
      });
      expect(response.statusCode).toBe(200);
    }
    const uses = await rows<{ actor_id: string; target_id: string; ip: string; route: string }>(
      t.database.db,
      sql`select actor_id, target_id, ip, data->>'route' as route from audit_events where action = 'api_key.use' order by id desc limit 2`,
    );
    const [key] = await rows<{ id: string }>(
      t.database.db,
      sql`select id from api_keys where user_id = ${t.admin.userId} order by created_at limit 1`,
    );
    expect(uses).toEqual(
      Array(2).fill({
        actor_id: t.admin.userId,
        target_id: key!.id,
        ip: '127.0.0.1',
        route: 'POST /api/v1/ask',
      }),
    );
    const after = await rows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from audit_events where action = 'api_key.use'`,
    );
    expect(after[0]!.n - before[0]!.n).toBe(2);
  });
});

describe('/metrics', () => {
  it('is served on METRICS_PORT only, not on the main port', async () => {
    const port = await freePort();
    const app = await appWith({ METRICS_PORT: String(port) });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const main = (app.server.address() as AddressInfo).port;
      expect((await fetch(`http://127.0.0.1:${main}/metrics`)).status).toBe(404);
      const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('exgpt_http_request_duration_seconds');
    } finally {
      await app.close();
    }
    // Closed with the app: nothing is left listening.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
