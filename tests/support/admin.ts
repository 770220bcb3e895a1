/** Helpers for admin API tests: GraphQL over app.inject, sign-in, and tokens issued without a password. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Role } from '#core';
import { createUser, type Db } from '#db';
import { createAccessTokens } from '../../admin/api/access-tokens.ts';
import { createSession } from '../../admin/api/refresh-sessions.ts';
import { buildApp } from '../../bot/app.ts';
import type { TestEngine } from './engine.ts';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export async function buildAdminApp(t: TestEngine, extra: Partial<Parameters<typeof buildApp>[0]> = {}) {
  return buildApp({
    config: t.config,
    logger: t.engine.logger,
    database: t.database,
    ask: t.engine.ask,
    documents: t.engine.documents,
    queue: t.queue,
    jwtSecret: TEST_JWT_SECRET,
    ...extra,
  });
}

export interface GraphqlResult {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

export async function gql(
  app: FastifyInstance,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string | null; headers?: Record<string, string> } = {},
): Promise<GraphqlResult & { response: LightMyRequestResponse }> {
  const response = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    payload: JSON.stringify({ query, variables }),
  });
  return { ...(response.json() as GraphqlResult), response };
}

/** The data of a query that must succeed. */
export async function gqlOk<T = Record<string, unknown>>(
  app: FastifyInstance,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<T> {
  const result = await gql(app, query, variables, { token: token ?? null });
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data as T;
}

export function errorCode(result: GraphqlResult): unknown {
  return result.errors?.[0]?.extensions?.code;
}

/** A fresh session and access token for a user, as a login would give (no argon2, no rate limit). */
export async function issueToken(db: Db, userId: string): Promise<string> {
  const session = await db.transaction((tx) =>
    createSession(tx, { userId, ttlDays: 1, meta: { ip: null, userAgent: 'test' } }),
  );
  const tokens = createAccessTokens({ db, secret: TEST_JWT_SECRET, ttlSeconds: 900 });
  return (await tokens.issue({ id: userId }, session.familyId)).token;
}

let counter = 0;
export async function userWithRole(
  t: TestEngine,
  role: Role,
  options: { password?: string; email?: string } = {},
): Promise<{ id: string; email: string; token: string }> {
  counter += 1;
  const email = options.email ?? `${role}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const user = await createUser(t.database.db, { email, role, password: options.password ?? null });
  return { id: user.id, email, token: await issueToken(t.database.db, user.id) };
}

/** The cookie a Set-Cookie header sets, as the browser would send it back. */
export function cookieFrom(response: LightMyRequestResponse, name: string): string | null {
  const header = response.headers['set-cookie'];
  const list = Array.isArray(header) ? header : header ? [header] : [];
  for (const line of list) {
    const [pair] = line.split(';');
    const [key, ...value] = pair!.split('=');
    if (key?.trim() === name) return value.join('=');
  }
  return null;
}

export function setCookieLine(response: LightMyRequestResponse, name: string): string | null {
  const header = response.headers['set-cookie'];
  const list = Array.isArray(header) ? header : header ? [header] : [];
  return list.find((line) => line.startsWith(`${name}=`)) ?? null;
}
