/**
 * Exports of the audit log and of conversations as CSV or JSON Lines, streamed in batches (never the
 * whole table in memory). Starting an export is itself audited, before the first byte is sent; the
 * export covers what existed at that moment (its own audit event included).
 */
import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import { AppError, type Principal } from '#core';
import { appendAuditEvent, type Db, schema } from '#db';
import { auditFilterArgs, auditWhere } from './schema/audit.ts';
import { conversationFilterArgs, conversationWhere } from './schema/conversations.ts';
import { parseInput } from './validation.ts';

const { auditEvents, conversations, messageRatings, messages, messageSources, users } = schema;
const BATCH = 500;

export type ExportFormat = 'csv' | 'jsonl';
export type ExportKind = 'audit' | 'conversations';

export interface ExportStream {
  /**
   * The audit chain's newest event when the export began (the export's own record): kept with the file,
   * it lets verifyAuditChain notice events deleted from the end of the chain later.
   */
  readonly auditHead: { readonly id: number; readonly hash: string };
  readonly filename: string;
  readonly contentType: string;
  readonly body: AsyncIterable<string>;
}

/** Who may export: admins and auditors; an API key must also hold the read:audit scope. */
export function assertMayExport(principal: Principal): void {
  if (principal.scopes && !principal.scopes.includes('read:audit')) {
    throw new AppError('forbidden', 'This API key lacks the "read:audit" scope.', {
      localized: { key: 'errors.missingScope', values: { scope: 'read:audit' } },
    });
  }
  if (principal.role !== 'admin' && principal.role !== 'auditor') {
    throw new AppError('forbidden', 'Only admins and auditors may export.', {
      localized: { key: 'errors.exportForbidden' },
    });
  }
}

const dateParam = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date or instant')
  .transform((v) => new Date(v))
  .nullish();
const boolParam = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .nullish();
const formatParam = z.enum(['csv', 'jsonl'], { message: 'must be csv or jsonl' }).default('csv');

export async function startExport(
  db: Db,
  kind: ExportKind,
  principal: Principal,
  query: Record<string, unknown>,
  ip: string | null,
): Promise<ExportStream> {
  assertMayExport(principal);
  if (kind === 'audit') {
    const input = parseInput(
      z.object({ ...auditFilterArgs, from: dateParam, to: dateParam, format: formatParam }),
      query,
    );
    const { format, ...filter } = input;
    const event = await recordExport(db, principal, 'export.audit', { format, filter }, ip);
    return { ...stream('audit', format, auditRows(db, filter, event.id)), auditHead: event };
  }
  const input = parseInput(
    z.object({
      ...conversationFilterArgs,
      from: dateParam,
      to: dateParam,
      unanswered: boolParam,
      format: formatParam,
    }),
    query,
  );
  const { format, ...filter } = input;
  const startedAt = new Date();
  const event = await recordExport(db, principal, 'export.conversations', { format, filter }, ip);
  return { ...stream('conversations', format, conversationRows(db, filter, startedAt)), auditHead: event };
}

function recordExport(
  db: Db,
  principal: Principal,
  action: string,
  data: Record<string, unknown>,
  ip: string | null,
) {
  return db.transaction((tx) =>
    appendAuditEvent(tx, {
      actorId: principal.userId,
      actorLabel: principal.email,
      action,
      targetType: 'export',
      data: JSON.parse(JSON.stringify(data)) as Record<string, unknown>,
      ip,
    }),
  );
}

function stream(
  kind: ExportKind,
  format: ExportFormat,
  records: AsyncIterable<Record<string, unknown>>,
): Omit<ExportStream, 'auditHead'> {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return {
    filename: `ex-gpt-${kind}-${stamp}.${format}`,
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    body: format === 'csv' ? toCsv(records) : toJsonl(records),
  };
}

async function* auditRows(db: Db, filter: Parameters<typeof auditWhere>[0], upToId: number) {
  let after = 0;
  for (;;) {
    const batch = await db
      .select()
      .from(auditEvents)
      .where(and(auditWhere(filter), gt(auditEvents.id, after), lte(auditEvents.id, upToId)))
      .orderBy(asc(auditEvents.id))
      .limit(BATCH);
    for (const e of batch) {
      yield {
        id: e.id,
        at: e.at.toISOString(),
        actor_id: e.actorId,
        actor_label: e.actorLabel,
        action: e.action,
        target_type: e.targetType,
        target_id: e.targetId,
        data: e.data,
        ip: e.ip,
        prev_hash: e.prevHash,
        hash: e.hash,
      };
    }
    if (batch.length < BATCH) return;
    after = batch.at(-1)!.id;
  }
}

function messageBatch(
  db: Db,
  filter: Parameters<typeof conversationWhere>[1],
  startedAt: Date,
  cursor: { at: string; id: string } | null,
) {
  return db
    .select({
      message: messages,
      conversation: conversations,
      userEmail: users.email,
      cursorAt: sql<string>`${messages.createdAt}::text`,
    })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .leftJoin(users, eq(users.id, messages.userId))
    .where(
      and(
        conversationWhere(db, filter),
        lte(messages.createdAt, startedAt),
        cursor
          ? sql`(${messages.createdAt}, ${messages.id}) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(asc(messages.createdAt), asc(messages.id))
    .limit(BATCH);
}

async function* conversationRows(db: Db, filter: Parameters<typeof conversationWhere>[1], startedAt: Date) {
  let cursor: { at: string; id: string } | null = null;
  for (;;) {
    const batch = await messageBatch(db, filter, startedAt, cursor);
    const sources = batch.length
      ? await db
          .select()
          .from(messageSources)
          .where(
            inArray(
              messageSources.messageId,
              batch.map((b) => b.message.id),
            ),
          )
          .orderBy(asc(messageSources.messageId), asc(messageSources.n))
      : [];
    // Everyone's own rating once each (the asker's is also `feedback`): counted, never listed by person.
    const ratings = new Map<string, { up: number; down: number }>();
    if (batch.length) {
      const counted = await db
        .select({
          messageId: messageRatings.messageId,
          up: sql<number>`count(*) filter (where ${messageRatings.value} = 'up')::int`,
          down: sql<number>`count(*) filter (where ${messageRatings.value} = 'down')::int`,
        })
        .from(messageRatings)
        .where(
          inArray(
            messageRatings.messageId,
            batch.map((b) => b.message.id),
          ),
        )
        .groupBy(messageRatings.messageId);
      for (const row of counted) ratings.set(row.messageId, { up: Number(row.up), down: Number(row.down) });
    }
    for (const { message: m, conversation: c, userEmail } of batch) {
      yield {
        conversation_id: c.id,
        message_id: m.id,
        asked_at: m.createdAt.toISOString(),
        platform: c.platform,
        channel_id: c.channelId,
        thread_id: c.threadId,
        user_email: userEmail,
        question: m.question,
        standalone_question: m.standaloneQuestion,
        answer: m.answer,
        answered: m.answered,
        model: m.model,
        prompt_tokens: m.promptTokens,
        completion_tokens: m.completionTokens,
        latency_ms: m.latencyMs,
        feedback: m.feedback,
        feedback_comment: m.feedbackComment,
        ratings_up: ratings.get(m.id)?.up ?? 0,
        ratings_down: ratings.get(m.id)?.down ?? 0,
        reviewed_at: m.reviewedAt?.toISOString() ?? null,
        sources: sources
          .filter((s) => s.messageId === m.id)
          .map((s) => ({
            n: s.n,
            title: s.title,
            section: s.section,
            page: s.page,
            url: s.url,
            documentId: s.documentId,
            documentVersion: s.documentVersion,
            chunkId: s.chunkId,
            text: s.text,
          })),
      };
    }
    if (batch.length < BATCH) return;
    const last = batch.at(-1)!;
    cursor = { at: last.cursorAt, id: last.message.id };
  }
}

async function* toJsonl(records: AsyncIterable<Record<string, unknown>>): AsyncIterable<string> {
  for await (const record of records) yield `${JSON.stringify(record)}\n`;
}

async function* toCsv(records: AsyncIterable<Record<string, unknown>>): AsyncIterable<string> {
  let header: string[] | null = null;
  for await (const record of records) {
    if (!header) {
      header = Object.keys(record);
      yield `${header.map(csvCell).join(',')}\r\n`;
    }
    yield `${header.map((key) => csvCell(record[key])).join(',')}\r\n`;
  }
}

/**
 * RFC 4180 quoting; objects as JSON. Text starting with = + - @ (or a tab/CR) is prefixed with ' so a
 * spreadsheet opening the export never runs it as a formula (CSV injection).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}
