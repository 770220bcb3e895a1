/**
 * Usage figures: per day, per model (tokens and estimated cost from the settings' price table), per
 * platform, channel and collection, the most cited documents and the most frequent unanswered questions.
 * Days are UTC. Counts come from the stored messages, or from the daily rollup (usage_daily) where it
 * counted more, i.e. for days whose conversations the retention purge has deleted. Latency percentiles
 * are exact from messages; for purged days they are the rollup's, weighted by questions. Collections,
 * cited documents and unanswered questions need the messages, so they cover retained days only.
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

"👍/👎 on answers asked in the range: each person's own rating once (the asker's, and in channels every member's)."
type UsageRatings {
  up: Int!
  down: Int!
  "Answers rated by at least one person."
  ratedAnswers: Int!
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
  "Ratings need the messages, so they cover retained days only."
  ratings: UsageRatings!
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
  /** Over messages `m` joined with conversations `c`. */
  readonly where: SQL;
  /** Over usage_daily `u`; null when a filter (collection) cannot apply to the rollup. */
  readonly rollupWhere: SQL | null;
}

/** Counts per day, platform, channel and model: messages, or the rollup where it counted more. */
interface UsageGroup {
  readonly day: string;
  readonly platform: string;
  readonly channelId: string;
  readonly model: string;
  readonly questions: number;
  readonly unanswered: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
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
      const and = (parts: (SQL | null)[]) =>
        sql.join(
          parts.filter((part): part is SQL => part !== null),
          sql` and `,
        );
      const where = and([
        sql`m.created_at >= ${start.toISOString()}::timestamptz and m.created_at < ${end.toISOString()}::timestamptz`,
        input.platform ? sql`c.platform = ${input.platform}` : null,
        input.channelId ? sql`c.channel_id = ${input.channelId}` : null,
        input.collectionId
          ? sql`exists (select 1 from message_sources s join documents d on d.id = s.document_id
              where s.message_id = m.id and d.collection_id = ${input.collectionId})`
          : null,
      ]);
      const rollupWhere = input.collectionId
        ? null
        : and([
            sql`u.day >= ${from}::date and u.day <= ${to}::date`,
            input.platform ? sql`u.platform = ${input.platform}` : null,
            input.channelId ? sql`u.channel_id = ${input.channelId}` : null,
          ]);
      return { from, to, where, rollupWhere } satisfies UsageScope;
    },
  },
  Usage: {
    ratings: async (scope: UsageScope, _args, ctx) => {
      const [row] = await rows<{ up: number; down: number; rated: number }>(
        ctx.services.db,
        sql`select count(*) filter (where r.value = 'up')::int as up,
                   count(*) filter (where r.value = 'down')::int as down,
                   count(distinct r.message_id)::int as rated
            ${fromMessages(scope, sql`join message_ratings r on r.message_id = m.id`)}`,
      );
      return { up: row?.up ?? 0, down: row?.down ?? 0, ratedAnswers: row?.rated ?? 0 };
    },
    totals: async (scope: UsageScope, _args, ctx) => {
      const groups = await usageGroups(ctx, scope);
      const [latency] = await rows<Latency>(
        ctx.services.db,
        sql`select ${percentiles} ${fromMessages(scope)}`,
      );
      return summarize(groups, await pricing(ctx), latency);
    },
    days: async (scope: UsageScope, _args, ctx) => {
      const groups = await usageGroups(ctx, scope);
      const prices = await pricing(ctx);
      const live = await rows<Latency & { day: string }>(
        ctx.services.db,
        sql`select to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD') as day, ${percentiles}
            ${fromMessages(scope)} group by 1`,
      );
      const rolled = scope.rollupWhere
        ? await rows<Latency & { day: string }>(
            ctx.services.db,
            sql`select to_char(u.day, 'YYYY-MM-DD') as day,
                  sum(u.latency_p50_ms::float8 * u.questions) / nullif(sum(u.questions), 0) as p50,
                  sum(u.latency_p95_ms::float8 * u.questions) / nullif(sum(u.questions), 0) as p95
                from usage_daily u where ${scope.rollupWhere} group by 1`,
          )
        : [];
      const out = [];
      for (let t = Date.parse(scope.from); t <= Date.parse(scope.to); t += DAY_MS) {
        const day = new Date(t).toISOString().slice(0, 10);
        const latency = live.find((r) => r.day === day) ?? rolled.find((r) => r.day === day);
        out.push({
          day,
          ...summarize(
            groups.filter((g) => g.day === day),
            prices,
            latency,
          ),
        });
      }
      return out;
    },
    models: async (scope: UsageScope, _args, ctx) => {
      const groups = await usageGroups(ctx, scope);
      const prices = await pricing(ctx);
      return [...groupBy(groups, (g) => g.model)]
        .map(([model, list]) => {
          const sum = summarize(list, prices);
          return {
            model,
            questions: sum.questions,
            promptTokens: sum.promptTokens,
            completionTokens: sum.completionTokens,
            estimatedCostUsd: sum.estimatedCostUsd,
            priced: priceOf(model, prices) !== null,
          };
        })
        .sort((a, b) => b.questions - a.questions);
    },
    platforms: async (scope: UsageScope, _args, ctx) => {
      const groups = await usageGroups(ctx, scope);
      return [...groupBy(groups, (g) => g.platform)]
        .map(([platform, list]) => ({ platform, ...counts(list) }))
        .sort((a, b) => b.questions - a.questions);
    },
    channels: async (scope: UsageScope, _args, ctx) => {
      const groups = await usageGroups(ctx, scope);
      const names = await rows<{ platform: string; externalId: string; name: string | null }>(
        ctx.services.db,
        sql`select platform::text as platform, external_id as "externalId", max(name) as name from channels group by 1, 2`,
      );
      return [...groupBy(groups, (g) => `${g.platform}\u0000${g.channelId}`)]
        .map(([, list]) => {
          const { platform, channelId } = list[0]!;
          const channelName =
            names.find((n) => n.platform === platform && n.externalId === channelId)?.name ?? null;
          return { platform, channelId: channelId || null, channelName, ...counts(list) };
        })
        .sort((a, b) => b.questions - a.questions)
        .slice(0, 50);
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

interface Latency {
  readonly p50: number | null;
  readonly p95: number | null;
}

const percentiles = sql`percentile_cont(0.5) within group (order by m.latency_ms) as p50,
  percentile_cont(0.95) within group (order by m.latency_ms) as p95`;

function fromMessages(scope: UsageScope, joins: SQL = sql``): SQL {
  return sql`from messages m join conversations c on c.id = m.conversation_id ${joins} where ${scope.where}`;
}

// Resolvers of one Usage share its groups: one query per request, whatever fields are asked for.
const groupCache = new WeakMap<UsageScope, Promise<UsageGroup[]>>();

function usageGroups(ctx: AdminContext, scope: UsageScope): Promise<UsageGroup[]> {
  let groups = groupCache.get(scope);
  if (!groups) {
    groups = rows<UsageGroup>(
      ctx.services.db,
      sql`with live as (
            select to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD') as day, c.platform::text as platform,
                   coalesce(c.channel_id, '') as channel_id, m.model, count(*)::int as questions,
                   (count(*) filter (where not m.answered))::int as unanswered,
                   coalesce(sum(m.prompt_tokens), 0)::float8 as prompt_tokens,
                   coalesce(sum(m.completion_tokens), 0)::float8 as completion_tokens
            ${fromMessages(scope)} group by 1, 2, 3, 4
          ), rolled as (
            select to_char(u.day, 'YYYY-MM-DD') as day, u.platform::text as platform, u.channel_id, u.model,
                   u.questions, u.unanswered, u.prompt_tokens::float8 as prompt_tokens,
                   u.completion_tokens::float8 as completion_tokens
            from usage_daily u where ${scope.rollupWhere ?? sql`false`}
          )
          select coalesce(l.day, r.day) as day, coalesce(l.platform, r.platform) as platform,
                 coalesce(l.channel_id, r.channel_id) as "channelId", coalesce(l.model, r.model) as model,
                 case when r.questions > coalesce(l.questions, 0) then r.questions else l.questions end as questions,
                 case when r.questions > coalesce(l.questions, 0) then r.unanswered else l.unanswered end as unanswered,
                 case when r.questions > coalesce(l.questions, 0) then r.prompt_tokens else l.prompt_tokens end as "promptTokens",
                 case when r.questions > coalesce(l.questions, 0) then r.completion_tokens else l.completion_tokens end
                   as "completionTokens"
          from live l full join rolled r
            on l.day = r.day and l.platform = r.platform and l.channel_id = r.channel_id and l.model = r.model`,
    );
    groupCache.set(scope, groups);
  }
  return groups;
}

function pricing(ctx: AdminContext) {
  return readSettings(ctx.services.db, { retentionDays: ctx.services.config.RETENTION_DAYS }).then(
    (s) => s.modelPrices,
  );
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

function counts(groups: readonly UsageGroup[]) {
  const questions = groups.reduce((n, g) => n + g.questions, 0);
  const unanswered = groups.reduce((n, g) => n + g.unanswered, 0);
  return { questions, unanswered, unansweredRate: rate(unanswered, questions) };
}

function summarize(
  groups: readonly UsageGroup[],
  prices: Parameters<typeof estimateCostUsd>[2],
  latency?: Latency,
) {
  return {
    ...counts(groups),
    latencyP50Ms: latency?.p50 ?? null,
    latencyP95Ms: latency?.p95 ?? null,
    promptTokens: groups.reduce((n, g) => n + g.promptTokens, 0),
    completionTokens: groups.reduce((n, g) => n + g.completionTokens, 0),
    estimatedCostUsd: groups.reduce((sum, g) => sum + (estimateCostUsd(g.model, g, prices) ?? 0), 0),
  };
}
