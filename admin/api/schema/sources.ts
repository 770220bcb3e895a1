/**
 * Connector sources: add, test, schedule, pause, run now, delete; admins only, every change audited.
 * Secrets are sealed with CONNECTOR_SECRET_KEY on the way in and never returned (only whether one is set).
 */
import type { IResolvers } from '@graphql-tools/utils';
import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import {
  AppError,
  createSecretBox,
  isAppError,
  type JobQueue,
  type SourceFailure,
  type SourceRun,
  shownMessage,
} from '#core';
import { schema } from '#db';
import type { MessageKey } from '#i18n';
import {
  assertSecretGiven,
  createConnectorFactory,
  parseSourceConfig,
  SOURCE_KINDS,
  scheduleSource,
  syncSourceJobId,
} from '../../../workers/connectors/index.ts';
import type { RecurringJobs } from '../../../workers/housekeeping-schedule.ts';
import { type AdminContext, audited } from '../context.ts';
import { callerTranslator, sayStored } from '../errors.ts';
import { idRule, nameRule, parseInput } from '../validation.ts';
import { loadCollection } from './collections.ts';

const { sources, documents } = schema;
type SourceRow = typeof sources.$inferSelect;

export const typeDefs = `
"Why one item of a run failed."
type SourceFailure {
  "The item's id at the source: a path, a URL."
  item: String!
  reason: String!
}

"One sync run: its counts while it runs (live progress), then its outcome."
type SourceRun {
  number: Int!
  startedAt: DateTime!
  finishedAt: DateTime
  added: Int!
  changed: Int!
  unchanged: Int!
  deleted: Int!
  failed: Int!
  failures: [SourceFailure!]!
  "Why the run as a whole stopped, when it did."
  error: String
}

"A connector that keeps one collection in sync with a folder, a website…"
type Source {
  id: ID!
  name: String!
  "folder, website or sharepoint"
  kind: String!
  collection: Collection!
  "The connector's settings (never its secret)."
  config: JSON!
  "Whether a secret is stored (it is never shown again)."
  hasSecret: Boolean!
  "Minutes between runs; null: only when run by hand."
  scheduleMinutes: Int
  paused: Boolean!
  "idle, running or failed"
  state: String!
  lastRun: SourceRun
  documentCount: Int!
  createdAt: DateTime!
  updatedAt: DateTime!
}

type SourceTestResult {
  ok: Boolean!
  "Why the connection failed, when it did."
  message: String
}

type Query {
  sources: [Source!]! @allow(roles: [admin])
  source(id: ID!): Source @allow(roles: [admin])
  "The kinds of source this server can connect to."
  sourceKinds: [String!]! @allow(roles: [admin])
}

type Mutation {
  "Adds a source; its collection must exist. A secret is sealed and never returned."
  createSource(name: String!, kind: String!, collectionId: ID!, config: JSON!, secret: String, scheduleMinutes: Int): Source! @allow(roles: [admin])
  "Changes a source; scheduleMinutes: 0 removes the schedule (run by hand only)."
  updateSource(id: ID!, name: String, config: JSON, secret: String, scheduleMinutes: Int, paused: Boolean): Source! @allow(roles: [admin])
  "Deletes a source with the documents it synced."
  deleteSource(id: ID!): Boolean! @allow(roles: [admin])
  "Queues a run now (also for a paused source)."
  runSource(id: ID!): Boolean! @allow(roles: [admin])
  "Tries the settings without saving them: reachability, credentials."
  testSource(kind: String!, config: JSON!, secret: String): SourceTestResult! @allow(roles: [admin])
}
`;

const scheduleRule = z
  .number()
  .int()
  .min(0)
  .max(60 * 24 * 31)
  .nullish();
const secretRule = z.string().min(1).max(10_000).nullish();

function recurringOf(queue: JobQueue): RecurringJobs | null {
  const candidate = queue as Partial<RecurringJobs>;
  return typeof candidate.repeat === 'function' && typeof candidate.cancelRepeat === 'function'
    ? (queue as JobQueue & RecurringJobs)
    : null;
}

async function loadSource(ctx: AdminContext, id: string): Promise<SourceRow> {
  const [row] = await ctx.services.db.select().from(sources).where(eq(sources.id, id));
  if (!row) throw new AppError('not_found', 'No such source.', { localized: { key: 'errors.noSuchSource' } });
  return row;
}

async function reschedule(ctx: AdminContext, row: SourceRow | { id: string; deleted: true }): Promise<void> {
  const recurring = recurringOf(ctx.services.queue);
  if (recurring) await scheduleSource(recurring, row);
}

const runDate = (value: unknown) => (typeof value === 'string' ? new Date(value) : null);

export const resolvers: IResolvers<unknown, AdminContext> = {
  // Connectors store their reasons in English with a catalogue key: said here in the admin's language.
  SourceFailure: {
    reason: (failure: SourceFailure) => sayStored(failure.reason, failure.localized),
  },
  SourceRun: {
    error: (run: SourceRun) => (run.error === null ? null : sayStored(run.error, run.errorLocalized)),
  },
  Source: {
    hasSecret: (row: SourceRow) => row.secret !== null,
    collection: (row: SourceRow, _args, ctx) => loadCollection(ctx.services.db, row.collectionId),
    lastRun: (row: SourceRow) =>
      row.lastRun
        ? {
            ...row.lastRun,
            startedAt: runDate(row.lastRun.startedAt),
            finishedAt: runDate(row.lastRun.finishedAt),
          }
        : null,
    documentCount: async (row: SourceRow, _args, ctx) => {
      const [found] = await ctx.services.db
        .select({ n: sql<number>`count(*)::int` })
        .from(documents)
        .where(eq(documents.sourceId, row.id));
      return found?.n ?? 0;
    },
  },
  Query: {
    sources: (_parent, _args, ctx) => ctx.services.db.select().from(sources).orderBy(asc(sources.name)),
    source: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      const [row] = await ctx.services.db.select().from(sources).where(eq(sources.id, id));
      return row ?? null;
    },
    sourceKinds: () => [...SOURCE_KINDS],
  },
  Mutation: {
    createSource: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({
          name: nameRule,
          kind: z.string(),
          collectionId: idRule,
          config: z.unknown(),
          secret: secretRule,
          scheduleMinutes: scheduleRule,
        }),
        args,
      );
      const config = parseSourceConfig(input.kind, input.config);
      assertSecretGiven(input.kind, input.secret);
      const sealed = input.secret
        ? createSecretBox(ctx.services.config.CONNECTOR_SECRET_KEY).seal(input.secret)
        : null;
      const row = await audited(ctx, async (tx, record) => {
        await loadCollection(tx, input.collectionId);
        const [taken] = await tx.select({ id: sources.id }).from(sources).where(eq(sources.name, input.name));
        if (taken) {
          throw new AppError('conflict', 'A source with this name exists.', {
            localized: { key: 'errors.sourceExists' },
            details: { fields: { name: 'is already taken' } },
          });
        }
        const [created] = await tx
          .insert(sources)
          .values({
            name: input.name,
            kind: input.kind,
            collectionId: input.collectionId,
            config,
            secret: sealed,
            scheduleMinutes: input.scheduleMinutes ? input.scheduleMinutes : null,
          })
          .returning();
        // The audit keeps the settings, and only whether a secret was given.
        await record({
          action: 'source.create',
          targetType: 'source',
          targetId: created!.id,
          data: {
            name: input.name,
            kind: input.kind,
            collectionId: input.collectionId,
            config,
            secretSet: sealed !== null,
            scheduleMinutes: created!.scheduleMinutes,
          },
        });
        return created!;
      });
      await reschedule(ctx, row);
      return row;
    },

    updateSource: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({
          id: idRule,
          name: nameRule.nullish(),
          config: z.unknown().optional(),
          secret: secretRule,
          scheduleMinutes: scheduleRule,
          paused: z.boolean().nullish(),
        }),
        args,
      );
      const current = await loadSource(ctx, input.id);
      const config =
        input.config === undefined || input.config === null
          ? undefined
          : parseSourceConfig(current.kind, input.config);
      const sealed = input.secret
        ? createSecretBox(ctx.services.config.CONNECTOR_SECRET_KEY).seal(input.secret)
        : undefined;
      const changes = {
        ...(input.name ? { name: input.name } : {}),
        ...(config ? { config } : {}),
        ...(sealed ? { secret: sealed } : {}),
        ...(input.scheduleMinutes === undefined || input.scheduleMinutes === null
          ? {}
          : { scheduleMinutes: input.scheduleMinutes === 0 ? null : input.scheduleMinutes }),
        ...(input.paused === undefined || input.paused === null ? {} : { paused: input.paused }),
      };
      const row = await audited(ctx, async (tx, record) => {
        if (changes.name && changes.name !== current.name) {
          const [taken] = await tx
            .select({ id: sources.id })
            .from(sources)
            .where(eq(sources.name, changes.name));
          if (taken)
            throw new AppError('conflict', 'A source with this name exists.', {
              localized: { key: 'errors.sourceExists' },
              details: { fields: { name: 'is already taken' } },
            });
        }
        const [updated] = await tx
          .update(sources)
          .set({ ...changes, updatedAt: new Date() })
          .where(eq(sources.id, input.id))
          .returning();
        const { secret: _secret, ...shown } = changes;
        await record({
          action: 'source.update',
          targetType: 'source',
          targetId: input.id,
          data: { ...shown, ...(sealed ? { secretSet: true } : {}) },
        });
        return updated!;
      });
      await reschedule(ctx, row);
      return row;
    },

    deleteSource: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      const row = await loadSource(ctx, id);
      const owned = await ctx.services.db
        .select({ id: documents.id })
        .from(documents)
        .where(eq(documents.sourceId, id));
      // Documents first (each removes its chunks and BM25 postings), then the source and its schedule.
      for (const document of owned) await ctx.services.documents.delete(document.id);
      await audited(ctx, async (tx, record) => {
        await tx.delete(sources).where(eq(sources.id, id));
        await record({
          action: 'source.delete',
          targetType: 'source',
          targetId: id,
          data: { name: row.name, kind: row.kind, documentsDeleted: owned.length },
        });
      });
      await reschedule(ctx, { id, deleted: true });
      return true;
    },

    runSource: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      const row = await loadSource(ctx, id);
      await audited(ctx, async (_tx, record) => {
        await record({ action: 'source.run', targetType: 'source', targetId: id, data: { name: row.name } });
      });
      await ctx.services.queue.enqueue(
        'sync-source',
        { sourceId: id, manual: true },
        { jobId: syncSourceJobId(id) },
      );
      return true;
    },

    testSource: async (_parent, args, ctx) => {
      const input = parseInput(z.object({ kind: z.string(), config: z.unknown(), secret: secretRule }), args);
      const config = parseSourceConfig(input.kind, input.config);
      // The server reaches out to a path or a site on an admin's word: that is worth a line in the audit log.
      await audited(ctx, async (_tx, record) => {
        await record({
          action: 'source.test',
          targetType: 'source',
          targetId: null,
          data: { kind: input.kind, config },
        });
      });
      const { MICROSOFT_GRAPH_URL, MICROSOFT_LOGIN_URL } = ctx.services.config;
      const connector = createConnectorFactory({
        maxBytes: 1,
        maxPages: 1,
        graph: { apiUrl: MICROSOFT_GRAPH_URL, loginUrl: MICROSOFT_LOGIN_URL },
      })({
        kind: input.kind,
        config,
        secret: input.secret ?? null,
      });
      try {
        await connector.test({
          signal: AbortSignal.timeout(20_000),
          known: async () => null,
          knownMany: async () => new Map(),
        });
        return { ok: true, message: null };
      } catch (error) {
        const tr = callerTranslator();
        const unreachable = tr.t('sources.failure.unreachable');
        return {
          ok: false,
          message: isAppError(error)
            ? shownMessage(error, (key, values) => tr.t(key as MessageKey, values), unreachable)
            : unreachable,
        };
      }
    },
  },
};
