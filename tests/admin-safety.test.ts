/** Safe by default: query limits, no introspection or suggestions in production, masked errors, no batching. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#core';
import { buildAdminApp, errorCode, gql, issueToken } from './support/admin.ts';
import { DATABASE_KINDS } from './support/databases.ts';
import { createTestEngine, type TestEngine } from './support/engine.ts';

describe.each(DATABASE_KINDS)('on %s', (kind) => {
  let t: TestEngine;
  let dev: FastifyInstance;
  let prod: FastifyInstance;
  let admin: string;

  beforeAll(async () => {
    t = await createTestEngine({}, { databaseKind: kind });
    dev = await buildAdminApp(t);
    prod = await buildAdminApp({
      ...t,
      config: loadConfig({ LOG_LEVEL: 'silent', NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40) }),
    });
    admin = await issueToken(t.database.db, t.admin.userId);
  });
  afterAll(async () => {
    await dev?.close();
    await prod?.close();
    await t?.close();
  });

  describe('query limits', () => {
    it('refuses queries nested too deeply', async () => {
      const deep =
        '{ conversations { nodes { messages { conversation { messages { conversation { messages { conversation { messages { conversation { id } } } } } } } } } } }';
      const result = await gql(dev, deep, {}, { token: admin });
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0]?.message).toMatch(/depth/i);
    });

    it('refuses too many aliases and too costly queries', async () => {
      const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: me { email }`).join(' ');
      expect((await gql(dev, `{ ${aliases} }`, {}, { token: admin })).errors?.[0]?.message).toMatch(/alias/i);
      // Page sizes multiply: 100 conversations × 100 chunks each is refused before anything runs.
      const amplified =
        '{ conversations(first: 100) { nodes { messages { sources { document { chunks(first: 100) { nodes { text } } } } } } } }';
      expect((await gql(dev, amplified, {}, { token: admin })).errors?.[0]?.message).toMatch(/cost/i);
      // What the console asks for stays well inside the limits.
      const everyday = await gql(
        dev,
        '{ documents(first: 100) { nodes { id title status sizeBytes progress { stage percent } collection { name } uploadedBy { email } } pageInfo { hasNextPage endCursor } } }',
        {},
        { token: admin },
      );
      expect(everyday.errors).toBeUndefined();
    });

    it('answers batched requests with an error instead of running them', async () => {
      const response = await dev.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        payload: JSON.stringify([{ query: '{ me { email } }' }, { query: '{ me { email } }' }]),
      });
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
    });
  });

  describe('production', () => {
    it('turns introspection, field suggestions and GraphiQL off', async () => {
      const introspection = await gql(prod, '{ __schema { types { name } } }', {}, { token: admin });
      expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
      expect((await gql(dev, '{ __schema { queryType { name } } }', {}, { token: admin })).data).toEqual({
        __schema: { queryType: { name: 'Query' } },
      });

      const typo = await gql(prod, '{ me { emial } }', {}, { token: admin });
      expect(typo.errors?.[0]?.message).not.toMatch(/did you mean/i);
      expect((await gql(dev, '{ me { emial } }', {}, { token: admin })).errors?.[0]?.message).toMatch(
        /did you mean/i,
      );

      const page = await prod.inject({
        url: '/graphql',
        headers: { accept: 'text/html', 'x-exgpt-csrf': '1' },
      });
      expect(page.headers['content-type'] ?? '').not.toContain('text/html');
    });
  });

  describe('errors', () => {
    it('carry a stable extensions.code and never internals', async () => {
      expect(errorCode(await gql(dev, '{ me { email } }'))).toBe('unauthenticated');
      expect(errorCode(await gql(dev, '{ user(id: "42") { email } }', {}, { token: admin }))).toBe(
        'invalid_input',
      );
      expect(
        errorCode(
          await gql(
            dev,
            `{ auditEvents(after: "${Buffer.from('[1,2]').toString('base64url')}") { nodes { id } } }`,
            {},
            { token: admin },
          ),
        ),
      ).toBe('invalid_input');
      const notFound = await gql(
        dev,
        'mutation { deleteGroup(id: "6f1c0d7e-0000-4000-8000-000000000001") }',
        {},
        { token: admin },
      );
      expect(notFound.errors?.[0]).toMatchObject({
        message: 'No such group.',
        extensions: { code: 'not_found' },
      });
      const wrongType = await gql(
        dev,
        'query($n: Int) { documents(first: $n) { nodes { id } } }',
        { n: 'many' },
        { token: admin },
      );
      expect(wrongType.errors?.[0]?.message).toMatch(/Int/);
    });
  });
});
