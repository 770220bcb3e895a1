/** Exports of the audit log and conversations: streamed CSV and JSONL, for auditors and read:audit keys, audited. */
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, rows } from '#db';
import { csvCell } from '../admin/api/exports.ts';
import { buildAdminApp, gqlOk, issueToken, userWithRole } from './support/admin.ts';
import { DATABASE_KINDS } from './support/databases.ts';
import { buildCollection, createTestEngine, ingestText, type TestEngine } from './support/engine.ts';

describe.each(DATABASE_KINDS)('on %s', (kind) => {
  let t: TestEngine;
  let app: FastifyInstance;
  let auditor: { id: string; email: string; token: string };

  beforeAll(async () => {
    t = await createTestEngine({}, { databaseKind: kind });
    app = await buildAdminApp(t);
    auditor = await userWithRole(t, 'auditor');
    const admin = await issueToken(t.database.db, t.admin.userId);
    for (let i = 0; i < 3; i += 1)
      await gqlOk(app, `mutation { createGroup(name: "export-${i}") { id } }`, {}, admin);
    const collection = await buildCollection(t, { name: 'export-docs' });
    await ingestText(t, {
      collectionId: collection.id,
      filename: 'wifi.md',
      text: '# Wifi\n\nThe guest wifi password is on the badge.',
    });
    const ask = (question: string, platform: 'slack' | 'api', channelId: string | null) =>
      t.engine.ask.run({
        principal: t.admin,
        question,
        conversation: { platform, channelId, threadId: null },
        scope: { userId: t.admin.userId, collectionIds: [collection.id] },
      });
    await ask('Where is the guest wifi password?', 'slack', 'C7');
    await ask('=HYPERLINK("http://evil") wifi?', 'api', null);
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  const get = (url: string, credential: string) =>
    app.inject({ url, headers: { authorization: `Bearer ${credential}` } });

  function parseCsv(text: string): string[][] {
    const out: string[][] = [];
    let row: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < text.length; i += 1) {
      const c = text[i]!;
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else if (c === '"') quoted = false;
        else cell += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        row.push(cell);
        cell = '';
      } else if (c === '\r') {
        // part of \r\n
      } else if (c === '\n') {
        row.push(cell);
        out.push(row);
        row = [];
        cell = '';
      } else cell += c;
    }
    return out;
  }

  describe('exports', () => {
    it('streams the audit log as CSV with a header, oldest first, including the export’s own event', async () => {
      const response = await get('/api/v1/exports/audit?format=csv&actionPrefix=group.', auditor.token);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/csv');
      expect(response.headers['content-disposition']).toMatch(/attachment; filename="ex-gpt-audit-.*\.csv"/);
      const [header, ...records] = parseCsv(response.body);
      expect(header).toEqual([
        'id',
        'at',
        'actor_id',
        'actor_label',
        'action',
        'target_type',
        'target_id',
        'data',
        'ip',
        'prev_hash',
        'hash',
      ]);
      expect(records.map((r) => r[4])).toEqual(['group.create', 'group.create', 'group.create']);
      expect(JSON.parse(records[0]![7]!)).toMatchObject({ name: 'export-0' });
      const ids = records.map((r) => Number(r[0]));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));

      const [event] = await rows<{
        actor_label: string;
        data: { format: string; filter: { actionPrefix: string } };
      }>(
        t.database.db,
        sql`select actor_label, data from audit_events where action = 'export.audit' order by id desc limit 1`,
      );
      expect(event).toMatchObject({
        actor_label: auditor.email,
        data: { format: 'csv', filter: { actionPrefix: 'group.' } },
      });
      const all = await get('/api/v1/exports/audit?format=jsonl', auditor.token);
      const lines = all.body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { action: string });
      expect(lines.at(-1)?.action).toBe('export.audit');
    });

    it('streams conversations as JSONL with the exact sources, and guards CSV against formulas', async () => {
      const response = await get('/api/v1/exports/conversations?format=jsonl&platform=slack', auditor.token);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('application/x-ndjson');
      const [record, ...rest] = response.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(rest).toEqual([]);
      expect(record).toMatchObject({
        platform: 'slack',
        channel_id: 'C7',
        user_email: 'admin@example.com',
        answered: true,
      });
      expect(record.sources[0]).toMatchObject({ n: 1, title: 'Wifi', documentVersion: 1 });
      expect(record.sources[0].text).toContain('on the badge');

      const csv = await get('/api/v1/exports/conversations?format=csv', auditor.token);
      const [header, ...csvRows] = parseCsv(csv.body);
      expect(csvRows.map((r) => r[header!.indexOf('question')])).toEqual([
        'Where is the guest wifi password?',
        `'=HYPERLINK("http://evil") wifi?`,
      ]);
      expect(csvCell('-1+2')).toBe("'-1+2");
      expect(csvCell(-12)).toBe('-12');
      expect(csvCell('a,"b"')).toBe('"a,""b"""');

      const audited = await rows(
        t.database.db,
        sql`select 1 from audit_events where action = 'export.conversations'`,
      );
      expect(audited).toHaveLength(2);
    });

    it('is for admins, auditors and API keys with the read:audit scope only', async () => {
      const curator = await userWithRole(t, 'curator');
      const member = await userWithRole(t, 'member');
      expect((await get('/api/v1/exports/audit', curator.token)).statusCode).toBe(403);
      expect((await get('/api/v1/exports/conversations', member.token)).statusCode).toBe(403);
      expect((await app.inject({ url: '/api/v1/exports/audit' })).statusCode).toBe(401);

      const withScope = await createApiKey(t.database.db, {
        userId: auditor.id,
        name: 'siem',
        scopes: ['read:audit'],
      });
      const withoutScope = await createApiKey(t.database.db, {
        userId: auditor.id,
        name: 'asker',
        scopes: ['ask'],
      });
      expect((await get('/api/v1/exports/audit?format=jsonl', withScope.key)).statusCode).toBe(200);
      const refused = await get('/api/v1/exports/audit', withoutScope.key);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.message).toMatch(/read:audit/);
      const badFormat = await get('/api/v1/exports/audit?format=xml', auditor.token);
      expect(badFormat.statusCode).toBe(400);
      expect(badFormat.json().error.message).toMatch(/format: must be csv or jsonl/);
    });
  });
});
