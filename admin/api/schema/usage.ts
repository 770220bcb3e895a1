/**
 * Usage figures, computed from the stored messages (the source of truth): per day, per model (tokens and
 * estimated cost from the settings' price table), per platform, channel and collection, the most cited
 * documents and the most frequent unanswered questions. Days are UTC.
 */
import type { IResolvers } from '@graphql-tools/utils';
import { eq, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { AppError, estimateCostUsd, PLATFORMS, priceOf } from '#core';
import { readSettings, rows, schema } from '#db';
import type { AdminContext } from '../context.ts';
import { idRule, parseInput } from '../validation.ts';

export const typeDefs = `
type UsageTotals {
  questions: Int!
  unanswered: Int!
  "unanswered / questions (0 when there are none)."
  unansweredRate: Float!
  latencyP50Ms: Float
  latencyP95Ms: Float
  promptTokens: Float!
  completionTokens: Float!
  "From the price table in the settings; models without a price count as 0."
  estimatedCostUsd: Float!
}

type UsageDay {
  day: Date!
  questions: Int!
  unanswered: Int!
  unansweredRate: Float!
  latencyP50Ms: Float
  latencyP95Ms: Float
  promptTokens: Float!
  completionTokens: Float!
  estimatedCostUsd: Float!
}

type ModelUsage {
  model: String!
  questions: Int!
  promptTokens: Float!
  completionTokens: Float!
  estimatedCostUsd: Float!
  "Whether the price table knows this model."
  priced: Boolean!
}

type PlatformUsage {
  platform: Platform!
  questions: Int!
  unanswered: Int!
  unansweredRate: Float!
}

type ChannelUsage {
  platform: Platform!
  channelId: String
  channelName: String
  questions: Int!
  unanswered: Int!
  unansweredRate: Float!
}

type CollectionUsage {
  "Null for documents deleted since."
  collectionId: ID
  collectionName: String
  "Answers that cited the collection."
  answers: Int!
  citations: Int!
}

type CitedDocument {
  documentId: ID!
  title: String!
  citations: Int!
  answers: Int!
  document: Document
}

type UnansweredQuestion {
  question: String!
  count: Int!
  lastAskedAt: DateTime!
}

type Usage {
  from: Date!
  to: Date!
  totals: UsageTotals!
  "Every day of the range, oldest first, including days without questions."
  days: [UsageDay!]!
  models: [ModelUsage!]!
  platforms: [PlatformUsage!]!
  channels: [ChannelUsage!]!
  collections: [CollectionUsage!]!
  topCitedDocuments(limit: Int = 10): [CitedDocument!]!
  topUnansweredQuestions(limit: Int = 10): [UnansweredQuestion!]!
}

type Query {
  "Usage from \`from\` to \`to\` inclusive (default: the last 30 days), optionally narrowed."
  usage(from: Date, to: Date, platform: Platform, channelId: String, collectionId: ID): Usage! @allow(roles: [admin, auditor])
}
`;

const DAY_MS = 86_400_000;
const rate = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

interface UsageScope {
  readonly from: string;
  readonly to: string;
  readonly where: SQL;
}

export const resolvers: IResolvers<unknown, AdminContext> = {
  Query: {
    usage: (_parent, args) => {
      const input = parseInput(
        z.object({
          from: z.string().nullish(),
          to: z.string().nullish(),
          platform: z.enum(PLATFORMS).nullish(),
          channelId: z.string().max(300).nullish(),
          collectionId: idRule.nullish(),
        }),
        args,
      );
      const to = input.to ?? new Date().toISOString().slice(0, 10);
      const from = input.from ?? new Date(Date.parse(to) - 29 * DAY_MS).toISOString().slice(0, 10);
      const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
      if (days < 1 || days > 366) {
        throw new AppError(
          'invalid_input',
          'Invalid input. to: must be on or after from, at most 366 days later',
          {
            details: { fields: { to: 'must be on or after from, at most 366 days later' } },
          },
        );
      }
      const start = new Date(`${from}T00:00:00.000Z`);
      const end = new Date(Date.parse(`${to}T00:00:00.000Z`) + DAY_MS);
      const where = sql.join(
        [
          sql`m.created_at >= ${start.toISOString()}::timestamptz and m.created_at < ${end.toISOString()}::timestamptz`,
          input.platform ? sql`c.platform = ${input.platform}` : null,
          input.channelId ? sql`c.channel_id = ${input.channelId}` : null,
          input.collectionId
            ? sql`exists (select 1 from message_sources s join documents d on d.id = s.document_id
                where s.message_id = m.id and d.collection_id = ${input.collectionId})`
            : null,
        ].filter((part): part is SQL => part !== null),
        sql` and `,
      );
      return { from, to, where } satisfies UsageScope;
    },
  },
  Usage: {
    totals: async (scope: UsageScope, _args, ctx) => {
      const [row] = await rows<Aggregate>(ctx.services.db, sql`select ${aggregates} ${fromMessages(scope)}`);
      const cost = await costByModel(ctx, scope);
      return shape(
        row,
        [...cost.values()].reduce((sum, v) => sum + v.cost, 0),
      );
    },
    days: async (scope: UsageScope, _args, ctx) => {
      const byDay = await rows<Aggregate & { day: string }>(
        ctx.services.db,
        sql`select to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD') as day, ${aggregates}
            ${fromMessages(scope)} group by 1`,
      );
      const cost = await costByModel(ctx, scope, true);
      const out = [];
      for (let t = Date.parse(scope.from); t <= Date.parse(scope.to); t += DAY_MS) {
        const day = new Date(t).toISOString().slice(0, 10);
        const dayCost = [...cost.entries()]
          .filter(([key]) => key.startsWith(`${day}|`))
          .reduce((sum, [, v]) => sum + v.cost, 0);
        out.push({
          day,
          ...shape(
            byDay.find((r) => r.day === day),
            dayCost,
          ),
        });
      }
      return out;
    },
    models: async (scope: UsageScope, _args, ctx) => {
      const cost = await costByModel(ctx, scope);
      return [...cost.entries()]
        .map(([model, v]) => ({ model, ...v, estimatedCostUsd: v.cost }))
        .sort((a, b) => b.questions - a.questions);
    },
    platforms: async (scope: UsageScope, _args, ctx) => {
      const found = await rows<{ platform: string; questions: number; unanswered: number }>(
        ctx.services.db,
        sql`select c.platform, count(*)::int as questions, (count(*) filter (where not m.answered))::int as unanswered
            ${fromMessages(scope)} group by 1 order by 2 desc`,
      );
      return found.map((r) => ({ ...r, unansweredRate: rate(r.unanswered, r.questions) }));
    },
    channels: async (scope: UsageScope, _args, ctx) => {
      const found = await rows<{
        platform: string;
        channelId: string | null;
        channelName: string | null;
        questions: number;
        unanswered: number;
      }>(
        ctx.services.db,
        sql`select c.platform, c.channel_id as "channelId",
              (select max(ch.name) from channels ch where ch.platform = c.platform and ch.external_id = c.channel_id) as "channelName",
              count(*)::int as questions, (count(*) filter (where not m.answered))::int as unanswered
            ${fromMessages(scope)} group by 1, 2 order by 4 desc limit 50`,
      );
      return found.map((r) => ({ ...r, unansweredRate: rate(r.unanswered, r.questions) }));
    },
    collections: (scope: UsageScope, _args, ctx) =>
      rows(
        ctx.services.db,
        sql`select d.collection_id as "collectionId", max(col.name) as "collectionName",
              count(distinct m.id)::int as answers, count(*)::int as citations
            ${fromMessages(
              scope,
              sql`join message_sources s on s.message_id = m.id
                left join documents d on d.id = s.document_id
                left join collections col on col.id = d.collection_id`,
            )}
            group by 1 order by 3 desc limit 50`,
      ),
    topCitedDocuments: (scope: UsageScope, args, ctx) => {
      const { limit } = parseInput(z.object({ limit: z.number().int().min(1).max(100).default(10) }), args);
      return rows(
        ctx.services.db,
        sql`select s.document_id as "documentId", max(s.title) as title, count(*)::int as citations,
              count(distinct m.id)::int as answers
            ${fromMessages(scope, sql`join message_sources s on s.message_id = m.id`)}
            group by 1 order by 3 desc, 2 limit ${limit}`,
      );
    },
    topUnansweredQuestions: async (scope: UsageScope, args, ctx) => {
      const { limit } = parseInput(z.object({ limit: z.number().int().min(1).max(100).default(10) }), args);
      const found = await rows<{ question: string; count: number; lastAskedAt: string }>(
        ctx.services.db,
        sql`select min(m.question) as question, count(*)::int as count, max(m.created_at) as "lastAskedAt"
            ${fromMessages(scope)} and not m.answered
            group by lower(btrim(m.question)) order by 2 desc, 3 desc limit ${limit}`,
      );
      return found.map((r) => ({ ...r, lastAskedAt: new Date(r.lastAskedAt) }));
    },
  },
  CitedDocument: {
    document: async (doc: { documentId: string }, _args, ctx) => {
      const [row] = await ctx.services.db
        .select()
        .from(schema.documents)
        .where(eq(schema.documents.id, doc.documentId));
      return row ?? null;
    },
  },
};

interface Aggregate {
  questions: number;
  unanswered: number;
  p50: number | null;
  p95: number | null;
  promptTokens: number;
  completionTokens: number;
}

const aggregates = sql`count(*)::int as questions,
  (count(*) filter (where not m.answered))::int as unanswered,
  percentile_cont(0.5) within group (order by m.latency_ms) as p50,
  percentile_cont(0.95) within group (order by m.latency_ms) as p95,
  coalesce(sum(m.prompt_tokens), 0)::float8 as "promptTokens",
  coalesce(sum(m.completion_tokens), 0)::float8 as "completionTokens"`;

function fromMessages(scope: UsageScope, joins: SQL = sql``): SQL {
  return sql`from messages m join conversations c on c.id = m.conversation_id ${joins} where ${scope.where}`;
}

function shape(row: Aggregate | undefined, cost: number) {
  const questions = row?.questions ?? 0;
  const unanswered = row?.unanswered ?? 0;
  return {
    questions,
    unanswered,
    unansweredRate: rate(unanswered, questions),
    latencyP50Ms: row?.p50 ?? null,
    latencyP95Ms: row?.p95 ?? null,
    promptTokens: row?.promptTokens ?? 0,
    completionTokens: row?.completionTokens ?? 0,
    estimatedCostUsd: cost,
  };
}

/** Tokens and cost per model (or per `day|model`), priced with the settings' table. */
async function costByModel(ctx: AdminContext, scope: UsageScope, perDay = false) {
  const { modelPrices } = await readSettings(ctx.services.db, {
    retentionDays: ctx.services.config.RETENTION_DAYS,
  });
  const found = await rows<{
    key: string;
    model: string;
    questions: number;
    promptTokens: number;
    completionTokens: number;
  }>(
    ctx.services.db,
    sql`select ${perDay ? sql`to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD') || '|' || m.model` : sql`m.model`} as key,
          m.model, count(*)::int as questions,
          coalesce(sum(m.prompt_tokens), 0)::float8 as "promptTokens",
          coalesce(sum(m.completion_tokens), 0)::float8 as "completionTokens"
        ${fromMessages(scope)} group by 1, 2`,
  );
  return new Map(
    found.map((r) => [
      r.key,
      {
        questions: r.questions,
        promptTokens: r.promptTokens,
        completionTokens: r.completionTokens,
        cost: estimateCostUsd(r.model, r, modelPrices) ?? 0,
        priced: priceOf(r.model, modelPrices) !== null,
      },
    ]),
  );
}
