/** Refusals are not errors: a forbidden GraphQL call must not page whoever watches error-level logs. */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp, errorCode, gql, userWithRole } from './support/admin.ts';
import { createTestEngine, type TestEngine } from './support/engine.ts';

let t: TestEngine;
const lines: { level: number; msg: string }[] = [];

beforeAll(async () => {
  t = await createTestEngine();
});
afterAll(async () => {
  await t?.close();
});

describe('logging of refused GraphQL calls', () => {
  it('logs forbidden and invalid calls below error level', async () => {
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const app = await buildAdminApp(t, { logger });
    try {
      const member = await userWithRole(t, 'member');
      expect(errorCode(await gql(app, '{ users { nodes { email } } }', {}, { token: member.token }))).toBe(
        'forbidden',
      );
      expect(errorCode(await gql(app, '{ user(id: "사용자") { email } }', {}, { token: member.token }))).toBe(
        'forbidden',
      );
      expect(errorCode(await gql(app, '{ me { email } }'))).toBe('unauthenticated');
      expect(lines.some((l) => l.msg === 'graphql request refused')).toBe(true);
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
