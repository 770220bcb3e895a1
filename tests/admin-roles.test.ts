/**
 * The role matrix: every query, mutation and subscription of the admin API, run as every role and
 * signed out. The expected matrix below must list exactly the schema's fields, so a new field without a
 * rule (or with a rule nobody wrote down here) fails the build.
 */
import { randomUUID } from 'node:crypto';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
} from 'graphql';
import { createSchema } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressFeed, Role } from '#core';
import { enforceAccessRules } from '../admin/api/access-rules.ts';
import { createAdminApi, listAccessRules } from '../admin/api/index.ts';
import { buildAdminSchema } from '../admin/api/schema/index.ts';
import { createInProcessProgressFeed } from '../workers/in-process-progress-feed.ts';
import { issueToken, TEST_JWT_SECRET, userWithRole } from './support/admin.ts';
import { DATABASE_KINDS } from './support/databases.ts';
import { buildCollection, createTestEngine, ingestText, type TestEngine } from './support/engine.ts';

const ALL: Role[] = ['admin', 'curator', 'auditor', 'member'];
const ADMIN: Role[] = ['admin'];
const CURATE: Role[] = ['admin', 'curator'];
const READ_DOCS: Role[] = ['admin', 'curator', 'auditor'];
const AUDIT: Role[] = ['admin', 'auditor'];

/** The matrix the issue asks for: admin everything; curator documents, collections, bindings, review; auditor read-only. */
const EXPECTED: Record<string, 'public' | Role[]> = {
  'Query.me': ALL,
  'Query.signInOptions': 'public',
  'Query.users': ADMIN,
  'Query.user': ADMIN,
  'Query.groups': CURATE,
  'Query.identities': ADMIN,
  'Query.apiKeys': ADMIN,
  'Query.collections': READ_DOCS,
  'Query.collection': READ_DOCS,
  'Query.channels': CURATE,
  'Query.chatPlatforms': CURATE,
  'Query.documents': READ_DOCS,
  'Query.document': READ_DOCS,
  'Query.conversations': AUDIT,
  'Query.conversation': AUDIT,
  'Query.feedbackQueue': CURATE,
  'Query.usage': AUDIT,
  'Query.auditEvents': AUDIT,
  'Query.verifyAuditChain': AUDIT,
  'Query.settings': AUDIT,
  'Query.systemStatus': ADMIN,
  'Mutation.login': 'public',
  'Mutation.logout': ALL,
  'Mutation.changePassword': ALL,
  'Mutation.rateAnswer': ALL,
  'Mutation.setMyLocale': ALL,
  'Mutation.createUser': ADMIN,
  'Mutation.updateUser': ADMIN,
  'Mutation.setUserGroups': ADMIN,
  'Mutation.disableUser': ADMIN,
  'Mutation.enableUser': ADMIN,
  'Mutation.unlockUser': ADMIN,
  'Mutation.resetPassword': ADMIN,
  'Mutation.createGroup': ADMIN,
  'Mutation.updateGroup': ADMIN,
  'Mutation.deleteGroup': ADMIN,
  'Mutation.linkIdentity': ADMIN,
  'Mutation.unlinkIdentity': ADMIN,
  'Mutation.createApiKey': ADMIN,
  'Mutation.revokeApiKey': ADMIN,
  'Mutation.createCollection': CURATE,
  'Mutation.updateCollection': CURATE,
  'Mutation.deleteCollection': CURATE,
  'Mutation.bindChannel': CURATE,
  'Mutation.unbindChannel': CURATE,
  'Mutation.reindexDocument': CURATE,
  'Mutation.deleteDocument': CURATE,
  'Mutation.moveDocument': CURATE,
  'Mutation.reviewFeedback': CURATE,
  'Mutation.updateSettings': ADMIN,
  // System status's re-index progress (from main; listed here so the matrix covers every field).
  'Query.lexicalReindex': ADMIN,
  // Connector sources read folders and sites with the server's own rights: admins only (issue 20).
  'Query.sources': ADMIN,
  'Query.source': ADMIN,
  'Query.sourceKinds': ADMIN,
  'Mutation.createSource': ADMIN,
  'Mutation.updateSource': ADMIN,
  'Mutation.deleteSource': ADMIN,
  'Mutation.runSource': ADMIN,
  'Mutation.testSource': ADMIN,
  'Subscription.documentProgress': CURATE,
  // Fields inside types, narrowed further than the query that reaches them.
  'User.identities': ADMIN,
  'Group.members': ADMIN,
  'Document.chunks': CURATE,
};

const schema = buildAdminSchema();

describe.each(DATABASE_KINDS)('on %s', (kind) => {
  let t: TestEngine;
  let feed: ProgressFeed;
  let api: ReturnType<typeof createAdminApi>;
  const users = {} as Record<Role, { id: string }>;

  beforeAll(async () => {
    t = await createTestEngine({ LOGIN_RATE_LIMIT_PER_MINUTE: '10000' }, { databaseKind: kind });
    feed = createInProcessProgressFeed();
    api = createAdminApi({
      config: t.config,
      logger: t.engine.logger,
      db: t.database.db,
      queue: t.queue,
      documents: t.engine.documents,
      progressFeed: feed,
      jwtSecret: TEST_JWT_SECRET,
    });
    for (const role of ALL) users[role] = await userWithRole(t, role);
  });
  afterAll(async () => {
    await feed?.close();
    await t?.close();
  });

  function dummy(type: GraphQLInputType): unknown {
    if (isNonNullType(type)) return dummy(type.ofType);
    if (isListType(type)) return [dummy(type.ofType)];
    if (isEnumType(type)) return type.getValues()[0]!.value;
    if (isInputObjectType(type)) {
      return Object.fromEntries(
        Object.values(type.getFields())
          .filter((f) => isNonNullType(f.type))
          .map((f) => [f.name, dummy(f.type)]),
      );
    }
    if (isScalarType(type)) {
      switch (type.name) {
        case 'ID':
          return randomUUID();
        case 'Int':
        case 'Float':
          return 1;
        case 'Boolean':
          return false;
        case 'Date':
          return '2026-01-01';
        case 'DateTime':
          return '2026-01-01T00:00:00.000Z';
        default:
          return 'x';
      }
    }
    throw new Error(`no dummy for ${String(type)}`);
  }

  /** An operation that calls one field with made-up required arguments and selects just __typename. */
  function operationFor(kind: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>) {
    const required = field.args.filter(
      (a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined,
    );
    const variables = Object.fromEntries(required.map((a) => [a.name, dummy(a.type)]));
    const declarations = required.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
    const call = required.map((a) => `${a.name}: $${a.name}`).join(', ');
    const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
    const query = `${kind} Probe${declarations ? `(${declarations})` : ''} { ${field.name}${call ? `(${call})` : ''}${selection} }`;
    return { query, variables };
  }

  async function run(
    query: string,
    variables: Record<string, unknown>,
    token: string | null,
    subscription: boolean,
  ) {
    const response = await api.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: subscription ? 'text/event-stream' : 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    if (!subscription) return (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    // A refused subscription answers with one error event; an accepted one waits for progress events.
    const reader = response.body!.getReader();
    const publisher = setInterval(
      () =>
        feed.publish({
          documentId: randomUUID(),
          progress: { stage: 'parsing', percent: 5 },
          status: 'processing',
        }),
      20,
    );
    try {
      let text = '';
      while (!/data: .*\n/.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      return JSON.parse(/data: (.*)\n/.exec(text)![1]!) as { errors?: { extensions?: { code?: string } }[] };
    } finally {
      clearInterval(publisher);
      await reader.cancel();
    }
  }

  describe('role matrix', () => {
    it('lists exactly the schema’s fields, each with a rule', () => {
      const rules = listAccessRules(schema);
      const actual = Object.fromEntries(
        [...rules].map(([coordinate, rule]) => [
          coordinate,
          rule?.kind === 'roles' ? [...rule.roles].sort() : rule?.kind,
        ]),
      );
      const expected = Object.fromEntries(
        Object.entries(EXPECTED).map(([coordinate, rule]) => [
          coordinate,
          rule === 'public' ? rule : [...rule].sort(),
        ]),
      );
      expect(actual).toEqual(expected);
    });

    it('refuses to build a schema with a query, mutation or subscription that has no rule', () => {
      const unruled = createSchema({
        typeDefs: [
          'directive @allow(roles: [Role!]!) on FIELD_DEFINITION',
          'directive @public on FIELD_DEFINITION',
          'enum Role { admin curator auditor member }',
          'type Query { ruled: Int @allow(roles: [admin]) unruled: Int }',
        ],
      });
      expect(() => enforceAccessRules(unruled)).toThrow(/Query\.unruled has no access rule/);
    });

    const roots = [
      ['query', schema.getQueryType()],
      ['mutation', schema.getMutationType()],
      ['subscription', schema.getSubscriptionType()],
    ] as const;
    const cases = roots.flatMap(([kind, type]) =>
      Object.values(type!.getFields()).map((field) => ({
        kind,
        field,
        coordinate: `${type!.name}.${field.name}`,
      })),
    );

    it.each(cases)(
      '$coordinate: allowed roles get past the rule, others are refused',
      async ({ kind, field, coordinate }) => {
        const rule = EXPECTED[coordinate]!;
        const { query, variables } = operationFor(kind, field);
        const seen: Record<string, unknown> = {};
        for (const role of [...ALL, null] as const) {
          // A fresh session per call: logout ends the one it is called with.
          const token = role ? await issueToken(t.database.db, users[role].id) : null;
          const result = await run(query, variables, token, kind === 'subscription');
          const codes = (result.errors ?? []).map((e) => e.extensions?.code);
          const allowed = rule === 'public' || (role !== null && rule.includes(role));
          seen[role ?? 'signed-out'] = allowed
            ? codes.some((c) => c === 'forbidden' || (rule !== 'public' && c === 'unauthenticated'))
              ? `refused: ${codes.join(',')}`
              : 'allowed'
            : (codes[0] ?? 'no error');
        }
        const expected = Object.fromEntries(
          [...ALL, null].map((role) => [
            role ?? 'signed-out',
            rule === 'public' || (role !== null && rule.includes(role))
              ? 'allowed'
              : role
                ? 'forbidden'
                : 'unauthenticated',
          ]),
        );
        expect(seen).toEqual(expected);
      },
    );

    it('narrows fields inside types: identities, group members and chunk text', async () => {
      const collection = await buildCollection(t);
      await ingestText(t, {
        collectionId: collection.id,
        filename: 'rules.md',
        text: '# Rules\n\nKeep the door closed.',
      });
      const probes = [
        { query: '{ me { identities { id } } }', allowed: ADMIN },
        { query: '{ groups { members { id } } }', allowed: ADMIN },
        { query: '{ documents { nodes { chunks { nodes { text } } } } }', allowed: CURATE },
      ];
      for (const probe of probes) {
        for (const role of ALL) {
          const token = await issueToken(t.database.db, users[role].id);
          const result = await run(probe.query, {}, token, false);
          const codes = (result.errors ?? []).map((e) => e.extensions?.code);
          if (probe.allowed.includes(role)) expect(codes, `${probe.query} as ${role}`).toEqual([]);
          else expect(codes[0], `${probe.query} as ${role}`).toBe('forbidden');
        }
      }
    });
  });
});
