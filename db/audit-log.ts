import { asc, desc, gt, sql } from 'drizzle-orm';
import { AUDIT_GENESIS_HASH, hashAuditEvent } from '../core/audit.ts';
import type { Executor } from './client.ts';
import { auditEvents } from './schema.ts';

export interface AuditInput {
  readonly actorId: string | null;
  readonly actorLabel: string;
  readonly action: string;
  readonly targetType?: string | null;
  readonly targetId?: string | null;
  readonly data?: Record<string, unknown>;
  readonly ip?: string | null;
}

const CHAIN_LOCK = 724_119_002;

/**
 * Appends a hash-chained audit event. Call it with the transaction handle of the change it records,
 * so the change and its audit event commit together or not at all.
 */
export async function appendAuditEvent(
  tx: Executor,
  input: AuditInput,
): Promise<{ id: number; hash: string }> {
  // Serialise writers of the chain: each event must see the hash of the one before it.
  await tx.execute(sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`);
  const [last] = await tx
    .select({ hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.id))
    .limit(1);
  const prevHash = last?.hash ?? AUDIT_GENESIS_HASH;
  const [{ id } = { id: 0 }] = await tx
    .execute(sql`select nextval(pg_get_serial_sequence('audit_events', 'id'))::int as id`)
    .then((r) => (Array.isArray(r) ? r : (r as { rows: { id: number }[] }).rows) as { id: number }[]);
  // Millisecond precision: what the hash covers must survive the round trip through timestamptz.
  const at = new Date(Math.floor(Date.now()));
  const fields = {
    id,
    at,
    actorId: input.actorId,
    actorLabel: input.actorLabel,
    action: input.action,
    targetType: input.targetType ?? null,
    targetId: input.targetId ?? null,
    data: input.data ?? {},
    ip: input.ip ?? null,
  };
  const hash = hashAuditEvent(prevHash, fields);
  await tx.insert(auditEvents).values({ ...fields, prevHash, hash });
  return { id, hash };
}

export interface ChainVerdict {
  readonly ok: boolean;
  readonly checked: number;
  readonly firstBrokenId: number | null;
  /** The chain ends before the anchored head: events at its end were deleted. */
  readonly truncated: boolean;
}

/** The newest event, copied somewhere the table's writers cannot reach (exports, a daily log line). */
export interface AuditHead {
  readonly id: number;
  readonly hash: string;
}

export async function readAuditHead(db: Executor): Promise<AuditHead | null> {
  const [last] = await db
    .select({ id: auditEvents.id, hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.id))
    .limit(1);
  return last ?? null;
}

/**
 * Recomputes every hash in order; names the first event whose stored hash or link does not match. The
 * chain alone cannot show that its newest events were deleted; given a head recorded earlier (from an
 * export or the daily log line), that event must still be in the chain with the same hash.
 */
export async function verifyAuditChain(
  db: Executor,
  options: { head?: AuditHead; batchSize?: number } = {},
): Promise<ChainVerdict> {
  const batchSize = options.batchSize ?? 1000;
  const head = options.head;
  let prevHash = AUDIT_GENESIS_HASH;
  let lastId = 0;
  let checked = 0;
  let headSeen = head === undefined;
  for (;;) {
    const batch = await db
      .select()
      .from(auditEvents)
      .where(gt(auditEvents.id, lastId))
      .orderBy(asc(auditEvents.id))
      .limit(batchSize);
    if (batch.length === 0) {
      if (headSeen) return { ok: true, checked, firstBrokenId: null, truncated: false };
      // The anchored head is gone: its id is past the end (cut), or it was rewritten.
      const cut = head !== undefined && head.id > lastId;
      return { ok: false, checked, firstBrokenId: cut ? lastId + 1 : (head?.id ?? null), truncated: cut };
    }
    for (const row of batch) {
      const expected = hashAuditEvent(prevHash, {
        id: row.id,
        at: row.at,
        actorId: row.actorId,
        actorLabel: row.actorLabel,
        action: row.action,
        targetType: row.targetType,
        targetId: row.targetId,
        data: row.data,
        ip: row.ip,
      });
      if (row.prevHash !== prevHash || row.hash !== expected)
        return { ok: false, checked, firstBrokenId: row.id, truncated: false };
      if (head && row.id === head.id) {
        if (row.hash !== head.hash) return { ok: false, checked, firstBrokenId: row.id, truncated: false };
        headSeen = true;
      }
      prevHash = row.hash;
      lastId = row.id;
      checked += 1;
    }
  }
}
