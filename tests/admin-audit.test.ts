/**
 * The audit rule: every mutation writes its audit event in the transaction of its change; the chain
 * names a tampered row; curators cannot make admins; auditors cannot change anything.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserById, recordFeedback, rows, toPrincipal } from '#db';
import { buildAdminSchema } from '../admin/api/schema/index.ts';
import { buildAdminApp, errorCode, gql, gqlOk, issueToken, userWithRole } from './support/admin.ts';
import { DATABASE_KINDS } from './support/databases.ts';
import { buildCollection, createTestEngine, ingestText, type TestEngine } from './support/engine.ts';

describe.each(DATABASE_KINDS)('on %s', (kind) => {
  let t: TestEngine;
  let app: FastifyInstance;
  let admin: string;
  let curator: { id: string; email: string; token: string };

  beforeAll(async () => {
    t = await createTestEngine({ LOGIN_RATE_LIMIT_PER_MINUTE: '10000' }, { databaseKind: kind });
    app = await buildAdminApp(t);
    admin = await issueToken(t.database.db, t.admin.userId);
    curator = await userWithRole(t, 'curator');
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  async function lastAuditId(): Promise<number> {
    const [row] = await rows<{ id: number | null }>(
      t.database.db,
      sql`select max(id)::int as id from audit_events`,
    );
    return row?.id ?? 0;
  }

  async function eventsAfter(id: number) {
    return rows<{ id: number; action: string; actor_label: string; target_id: string | null }>(
      t.database.db,
      sql`select id, action, actor_label, target_id from audit_events where id > ${id} order by id`,
    );
  }

  interface Scenario {
    readonly action: string;
    run(): Promise<unknown>;
  }

  /** One successful call of every mutation, in an order where each finds what it needs. */
  function scenarios(): Record<string, Scenario> {
    const state: Record<string, string> = {};
    // An empty folder of its own: a source on all of /tmp would sync whatever other runs left there.
    const sourceDir = mkdtempSync(path.join(tmpdir(), 'exgpt-audit-source-'));
    const ok = <T>(query: string, variables: Record<string, unknown> = {}, token = admin) =>
      gqlOk<T>(app, query, variables, token);
    const member = { password: 'member-password-1', email: `audit-member-${Date.now()}@example.com` };
    return {
      createGroup: {
        action: 'group.create',
        run: async () => {
          const data = await ok<{ createGroup: { id: string } }>(
            'mutation { createGroup(name: "hr", externalId: "sso-hr") { id } }',
          );
          state.group = data.createGroup.id;
        },
      },
      updateGroup: {
        action: 'group.update',
        run: () =>
          ok('mutation($id: ID!) { updateGroup(id: $id, description: "People team") { id } }', {
            id: state.group,
          }),
      },
      createUser: {
        action: 'user.create',
        run: async () => {
          const data = await ok<{ createUser: { id: string } }>(
            'mutation($email: String!, $password: String!, $groups: [ID!]) { createUser(email: $email, password: $password, role: member, groupIds: $groups) { id } }',
            { email: member.email, password: member.password, groups: [state.group] },
          );
          state.user = data.createUser.id;
        },
      },
      login: {
        action: 'auth.login',
        run: async () => {
          const data = await ok<{ login: { token: string } }>(
            'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }',
            member,
            '',
          );
          state.memberToken = data.login.token;
        },
      },
      changePassword: {
        action: 'user.password_change',
        run: () =>
          ok(
            'mutation($old: String!) { changePassword(currentPassword: $old, newPassword: "a-brand-new-password") }',
            { old: member.password },
            state.memberToken,
          ),
      },
      logout: { action: 'auth.logout', run: () => ok('mutation { logout }', {}, state.memberToken) },
      updateUser: {
        action: 'user.update',
        run: () =>
          ok('mutation($id: ID!) { updateUser(id: $id, name: "Mia Member", role: auditor) { id } }', {
            id: state.user,
          }),
      },
      setUserGroups: {
        action: 'user.groups_set',
        run: () =>
          ok('mutation($id: ID!) { setUserGroups(id: $id, groupIds: []) { id } }', { id: state.user }),
      },
      disableUser: {
        action: 'user.disable',
        run: () => ok('mutation($id: ID!) { disableUser(id: $id) { id } }', { id: state.user }),
      },
      enableUser: {
        action: 'user.enable',
        run: () => ok('mutation($id: ID!) { enableUser(id: $id) { id } }', { id: state.user }),
      },
      unlockUser: {
        action: 'user.unlock',
        run: () => ok('mutation($id: ID!) { unlockUser(id: $id) { id } }', { id: state.user }),
      },
      resetPassword: {
        action: 'user.password_reset',
        run: () => ok('mutation($id: ID!) { resetPassword(id: $id) { password } }', { id: state.user }),
      },
      linkIdentity: {
        action: 'identity.link',
        run: async () => {
          const data = await ok<{ linkIdentity: { id: string } }>(
            'mutation($id: ID!) { linkIdentity(userId: $id, provider: "slack", tenantId: "T1", externalId: "U1") { id } }',
            { id: state.user },
          );
          state.identity = data.linkIdentity.id;
        },
      },
      unlinkIdentity: {
        action: 'identity.unlink',
        run: () => ok('mutation($id: ID!) { unlinkIdentity(id: $id) }', { id: state.identity }),
      },
      createApiKey: {
        action: 'api_key.create',
        run: async () => {
          const data = await ok<{ createApiKey: { id: string } }>(
            'mutation { createApiKey(name: "ci", scopes: ["ingest"]) { id key } }',
          );
          state.key = data.createApiKey.id;
        },
      },
      revokeApiKey: {
        action: 'api_key.revoke',
        run: () => ok('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: state.key }),
      },
      createCollection: {
        action: 'collection.create',
        run: async () => {
          const data = await ok<{ createCollection: { id: string } }>(
            'mutation($g: [ID!]) { createCollection(name: "handbook", readerGroupIds: $g) { id } }',
            { g: [state.group] },
            curator.token,
          );
          state.collection = data.createCollection.id;
          const other = await ok<{ createCollection: { id: string } }>(
            'mutation { createCollection(name: "archive") { id } }',
            {},
            curator.token,
          );
          state.archive = other.createCollection.id;
          const doc = await ingestText(t, {
            collectionId: state.collection,
            filename: 'leave.md',
            text: '# Leave\n\nYou get 30 days of leave.',
          });
          state.document = doc.document.id;
        },
      },
      updateCollection: {
        action: 'collection.update',
        run: () =>
          ok(
            'mutation($id: ID!) { updateCollection(id: $id, everyone: true) { id } }',
            { id: state.collection },
            curator.token,
          ),
      },
      bindChannel: {
        action: 'channel.bind',
        run: async () => {
          const data = await ok<{ bindChannel: { id: string } }>(
            'mutation($c: [ID!]) { bindChannel(platform: slack, workspaceId: "T1", channelId: "C1", collectionIds: $c, replyMode: all) { id } }',
            { c: [state.collection] },
            curator.token,
          );
          state.channel = data.bindChannel.id;
        },
      },
      unbindChannel: {
        action: 'channel.unbind',
        run: () => ok('mutation($id: ID!) { unbindChannel(id: $id) }', { id: state.channel }, curator.token),
      },
      reindexDocument: {
        action: 'document.reindex',
        run: async () => {
          await ok(
            'mutation($id: ID!) { reindexDocument(id: $id) { status } }',
            { id: state.document },
            curator.token,
          );
          await t.queue.drain();
        },
      },
      moveDocument: {
        action: 'document.move',
        run: () =>
          ok(
            'mutation($id: ID!, $c: ID!) { moveDocument(id: $id, collectionId: $c) { id } }',
            { id: state.document, c: state.archive },
            curator.token,
          ),
      },
      reviewFeedback: {
        action: 'feedback.review',
        run: async () => {
          const result = await t.engine.ask.run({
            principal: t.admin,
            question: 'How many days of leave?',
            conversation: { platform: 'api', channelId: null, threadId: null },
            scope: { userId: t.admin.userId },
          });
          await recordFeedback(t.database.db, {
            messageId: result.messageId,
            raterId: t.admin.userId,
            value: 'down',
            comment: 'too short',
          });
          await ok(
            'mutation($id: ID!) { reviewFeedback(messageId: $id, note: "added a page") { reviewedAt } }',
            { id: result.messageId },
            curator.token,
          );
        },
      },
      rateAnswer: {
        action: 'feedback.give',
        run: async () => {
          const asker = await findUserById(t.database.db, curator.id);
          const result = await t.engine.ask.run({
            principal: toPrincipal(asker!),
            question: '연차 휴가는 며칠인가요?',
            conversation: { platform: 'web', channelId: null, threadId: null },
            scope: { userId: curator.id },
          });
          await ok(
            'mutation($id: ID!) { rateAnswer(messageId: $id, value: down, comment: "출처가 틀렸습니다") }',
            { id: result.messageId },
            curator.token,
          );
        },
      },
      setMyLocale: {
        action: 'user.locale_change',
        run: () => ok('mutation { setMyLocale(locale: "ko") { id } }'),
      },
      deleteDocument: {
        action: 'document.delete',
        run: () =>
          ok('mutation($id: ID!) { deleteDocument(id: $id) }', { id: state.document }, curator.token),
      },
      createSource: {
        action: 'source.create',
        run: async () => {
          const data = await ok<{ createSource: { id: string } }>(
            'mutation($c: ID!, $config: JSON!) { createSource(name: "공유 폴더", kind: "folder", collectionId: $c, config: $config) { id } }',
            { c: state.collection, config: { path: sourceDir } },
          );
          state.source = data.createSource.id;
        },
      },
      testSource: {
        action: 'source.test',
        run: () =>
          ok('mutation($config: JSON!) { testSource(kind: "folder", config: $config) { ok } }', {
            config: { path: sourceDir },
          }),
      },
      updateSource: {
        action: 'source.update',
        run: () =>
          ok('mutation($id: ID!) { updateSource(id: $id, paused: true) { id } }', { id: state.source }),
      },
      runSource: {
        action: 'source.run',
        run: () => ok('mutation($id: ID!) { runSource(id: $id) }', { id: state.source }),
      },
      deleteSource: {
        action: 'source.delete',
        run: async () => {
          await t.queue.drain();
          await ok('mutation($id: ID!) { deleteSource(id: $id) }', { id: state.source });
        },
      },
      deleteCollection: {
        action: 'collection.delete',
        run: () =>
          ok('mutation($id: ID!) { deleteCollection(id: $id) }', { id: state.archive }, curator.token),
      },
      deleteGroup: {
        action: 'group.delete',
        run: () => ok('mutation($id: ID!) { deleteGroup(id: $id) }', { id: state.group }),
      },
      updateSettings: {
        action: 'settings.update',
        run: () => ok('mutation { updateSettings(retentionDays: 90, redactEmails: true) { retentionDays } }'),
      },
    };
  }

  describe('audit events', () => {
    it('every mutation writes its audit event, naming the actor', async () => {
      const all = scenarios();
      const mutations = Object.keys(buildAdminSchema().getMutationType()!.getFields()).sort();
      expect(Object.keys(all).sort(), 'a scenario for every mutation').toEqual(mutations);
      for (const [name, scenario] of Object.entries(all)) {
        const before = await lastAuditId();
        await scenario.run();
        const events = await eventsAfter(before);
        expect(
          events.map((e) => e.action),
          name,
        ).toContain(scenario.action);
        const event = events.find((e) => e.action === scenario.action)!;
        // Curators did the collection, channel, document and feedback work; an admin the rest.
        const curated = /^(collection|channel|document|feedback)\./.test(scenario.action);
        if (curated) expect(event.actor_label, name).toBe(curator.email);
        else if (!/^(auth|user\.password_change)/.test(scenario.action))
          expect(event.actor_label, name).toBe('admin@example.com');
      }
      const verdict = await gqlOk<{ verifyAuditChain: { ok: boolean } }>(
        app,
        '{ verifyAuditChain { ok checked firstBrokenId } }',
        {},
        admin,
      );
      expect(verdict.verifyAuditChain.ok).toBe(true);
    });

    it('records failed sign-ins, and a refused change records nothing', async () => {
      const before = await lastAuditId();
      const failed = await gql(
        app,
        'mutation { login(email: "admin@example.com", password: "wrong-password") { token } }',
      );
      expect(errorCode(failed)).toBe('unauthenticated');
      expect((await eventsAfter(before)).map((e) => e.action)).toEqual(['auth.login_failed']);

      const mid = await lastAuditId();
      await gqlOk(app, 'mutation { createCollection(name: "dupe") { id } }', {}, admin);
      const dupe = await gql(app, 'mutation { createCollection(name: "dupe") { id } }', {}, { token: admin });
      expect(errorCode(dupe)).toBe('conflict');
      expect((await eventsAfter(mid)).map((e) => e.action)).toEqual(['collection.create']);
    });

    it('writes the change and its audit event in one transaction: when the event cannot be written, nothing changes', async () => {
      await t.database.db.execute(sql`
        create function refuse_group_audit() returns trigger language plpgsql as $$
        begin
          if new.action = 'group.create' then raise exception 'audit log unavailable'; end if;
          return new;
        end $$`);
      await t.database.db.execute(
        sql`create trigger refuse_group_audit before insert on audit_events for each row execute function refuse_group_audit()`,
      );
      try {
        const result = await gql(
          app,
          'mutation { createGroup(name: "never-audited") { id } }',
          {},
          { token: admin },
        );
        expect(errorCode(result)).toBe('internal');
        expect(result.errors?.[0]?.message).not.toContain('audit log unavailable');
        const groups = await rows(t.database.db, sql`select 1 from groups where name = 'never-audited'`);
        expect(groups).toHaveLength(0);
      } finally {
        await t.database.db.execute(sql`drop trigger refuse_group_audit on audit_events`);
        await t.database.db.execute(sql`drop function refuse_group_audit()`);
      }
    });

    it('names the first tampered event, changed directly in the database', async () => {
      await gqlOk(app, 'mutation { createGroup(name: "before-tamper") { id } }', {}, admin);
      const victim = await lastAuditId();
      await gqlOk(app, 'mutation { createGroup(name: "after-tamper") { id } }', {}, admin);
      const healthy = await gqlOk<{ verifyAuditChain: { ok: boolean; checked: number } }>(
        app,
        '{ verifyAuditChain { ok checked firstBrokenId } }',
        {},
        admin,
      );
      expect(healthy.verifyAuditChain.ok).toBe(true);

      await t.database.db.execute(
        sql`update audit_events set data = '{"name":"innocent"}' where id = ${victim}`,
      );
      const auditor = await userWithRole(t, 'auditor');
      const broken = await gqlOk<{
        verifyAuditChain: { ok: boolean; checked: number; firstBrokenId: number };
      }>(app, '{ verifyAuditChain { ok checked firstBrokenId } }', {}, auditor.token);
      // Sequence numbers may have gaps (a rolled-back insert still uses one): checked counts events.
      const [earlier] = await rows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from audit_events where id < ${victim}`,
      );
      expect(broken.verifyAuditChain).toEqual({ ok: false, checked: earlier!.n, firstBrokenId: victim });

      // Deleting an event breaks the link of the one after it.
      await t.database.db.execute(sql`delete from audit_events where id = ${victim}`);
      const afterDelete = await gqlOk<{ verifyAuditChain: { firstBrokenId: number } }>(
        app,
        '{ verifyAuditChain { firstBrokenId } }',
        {},
        admin,
      );
      expect(afterDelete.verifyAuditChain.firstBrokenId).toBe(victim + 1);
    });
  });

  describe('no escalation', () => {
    it('a curator cannot create admins, change roles or mint keys', async () => {
      const attempts = [
        'mutation { createUser(email: "evil@example.com", role: admin, password: "evil-password-123") { id } }',
        `mutation { updateUser(id: "${curator.id}", role: admin) { role } }`,
        `mutation { createApiKey(name: "mine", userId: "${curator.id}") { key } }`,
        `mutation { resetPassword(id: "${t.admin.userId}") { password } }`,
      ];
      for (const query of attempts) {
        expect(errorCode(await gql(app, query, {}, { token: curator.token })), query).toBe('forbidden');
      }
      const [me] = await rows<{ role: string }>(
        t.database.db,
        sql`select role from users where id = ${curator.id}`,
      );
      expect(me?.role).toBe('curator');
      expect(
        await rows(t.database.db, sql`select 1 from users where email = 'evil@example.com'`),
      ).toHaveLength(0);
    });

    it('an auditor cannot change anything', async () => {
      const auditor = await userWithRole(t, 'auditor');
      const counts = async () =>
        rows(
          t.database.db,
          sql`select (select count(*) from users)::int u, (select count(*) from groups)::int g, (select count(*) from collections)::int c,
            (select count(*) from channels)::int ch, (select count(*) from api_keys)::int k, (select count(*) from documents)::int d,
            (select count(*) from settings)::int s`,
        );
      const beforeAudit = await lastAuditId();
      const collection = await buildCollection(t);
      const writes = [
        'mutation { createCollection(name: "auditor-made") { id } }',
        `mutation { updateCollection(id: "${collection.id}", name: "renamed") { id } }`,
        `mutation { deleteCollection(id: "${collection.id}") }`,
        'mutation { createGroup(name: "auditor-group") { id } }',
        'mutation { createUser(email: "a@example.com") { id } }',
        `mutation { bindChannel(platform: slack, channelId: "C9", collectionIds: ["${collection.id}"]) { id } }`,
        'mutation { createApiKey(name: "k", scopes: ["read:audit"]) { key } }',
        'mutation { updateSettings(retentionDays: 1) { retentionDays } }',
        `mutation { reviewFeedback(messageId: "${collection.id}") { id } }`,
      ];
      const afterCollection = await counts();
      for (const query of writes) {
        expect(errorCode(await gql(app, query, {}, { token: auditor.token })), query).toBe('forbidden');
      }
      expect(await counts()).toEqual(afterCollection);
      expect((await eventsAfter(beforeAudit)).filter((e) => e.actor_label === auditor.email)).toEqual([]);
      const [settings] = await rows(
        t.database.db,
        sql`select value from settings where key = 'retention_days'`,
      );
      expect(settings).not.toEqual({ value: 1 });
    });
  });
});
