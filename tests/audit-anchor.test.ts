/**
 * The audit chain's head anchored outside the table (issue 19): deleting the newest events leaves a
 * chain that is valid on its own, so each export carries the head and a daily log line records it, and
 * verifyAuditChain given that head reports the cut.
 */
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditHead } from '#db';
import { createPurgeConversationsHandler } from '../workers/housekeeping.job.ts';
import { buildAdminApp, gqlOk, issueToken } from './support/admin.ts';
import { createTestEngine, type TestEngine } from './support/engine.ts';

let t: TestEngine;
let app: FastifyInstance;
let admin: string;
const VERIFY =
  'query($id: Int, $hash: String) { verifyAuditChain(headId: $id, headHash: $hash) { ok checked firstBrokenId truncated } }';

beforeAll(async () => {
  t = await createTestEngine();
  app = await buildAdminApp(t);
  admin = await issueToken(t.database.db, t.admin.userId);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

describe('audit chain head', () => {
  it('travels with each export and in a daily log line, and a cut end is then detected', async () => {
    await gqlOk(app, 'mutation { createGroup(name: "인사팀") { id } }', {}, admin);
    const exported = await app.inject({
      url: '/api/v1/exports/audit?format=jsonl',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(exported.statusCode).toBe(200);
    const [id, hash] = String(exported.headers['x-audit-head']).split(' ');
    const lastRow = JSON.parse(exported.body.trim().split('\n').at(-1)!) as { id: number; hash: string };
    // The export's own record is the head, and an unfiltered export ends with it.
    expect({ id: Number(id), hash }).toEqual({ id: lastRow.id, hash: lastRow.hash });

    const lines: { msg: string; auditHead?: { id: number; hash: string } }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    await createPurgeConversationsHandler({ db: t.database.db, logger })(
      { olderThanDays: 365 },
      { attempt: 1, signal: new AbortController().signal },
    );
    expect(lines.find((l) => l.msg === 'audit chain head')?.auditHead).toEqual(
      await readAuditHead(t.database.db),
    );

    const variables = { id: Number(id), hash };
    expect(
      (await gqlOk<{ verifyAuditChain: unknown }>(app, VERIFY, variables, admin)).verifyAuditChain,
    ).toMatchObject({
      ok: true,
      truncated: false,
    });

    // Someone with database access removes the newest events, the export's record among them.
    await t.database.db.execute(sql`delete from audit_events where id >= ${Number(id) - 1}`);
    const alone = await gqlOk<{ verifyAuditChain: { ok: boolean } }>(app, VERIFY, {}, admin);
    expect(alone.verifyAuditChain.ok).toBe(true);
    const anchored = await gqlOk<{ verifyAuditChain: unknown }>(app, VERIFY, variables, admin);
    expect(anchored.verifyAuditChain).toMatchObject({
      ok: false,
      truncated: true,
      firstBrokenId: Number(id) - 1,
    });
  });
});
