/**
 * Housekeeping run by scheduled jobs: the retention purge of conversations and the daily usage rollup
 * that the usage figures read. Both are idempotent, so a job that runs twice (a retry after a crash,
 * two workers at once) changes nothing the second time.
 */
import { sql } from 'drizzle-orm';
import { estimateCostUsd, type ModelPrice } from '../core/model-prices.ts';
import { type Db, rows } from './client.ts';

const PURGE_BATCH = 500;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC calendar day of `date`, as `YYYY-MM-DD`. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Deletes conversations without activity for `olderThanDays` days, with their messages and the sources
 * those answers showed, in batches so no statement holds locks for long. Usage of the days being purged
 * is rolled up first when it never was. Returns how many conversations were deleted.
 */
export async function purgeConversations(
  db: Db,
  olderThanDays: number,
  now: Date = new Date(),
  prices: readonly ModelPrice[] = [],
): Promise<number> {
  if (!Number.isInteger(olderThanDays) || olderThanDays <= 0) return 0;
  const cutoff = new Date(now.getTime() - olderThanDays * 86_400_000);
  const missing = await rows<{ day: string }>(
    db,
    sql`select distinct to_char((m.created_at at time zone 'UTC')::date, 'YYYY-MM-DD') as day
        from messages m join conversations c on c.id = m.conversation_id
        where c.updated_at < ${cutoff.toISOString()}::timestamptz
          and not exists (select 1 from usage_daily u where u.day = (m.created_at at time zone 'UTC')::date)`,
  );
  for (const { day } of missing) await rollupUsage(db, day, prices);

  let deleted = 0;
  for (;;) {
    const gone = await rows<{ id: string }>(
      db,
      sql`delete from conversations where id in (
            select id from conversations where updated_at < ${cutoff.toISOString()}::timestamptz
            order by updated_at limit ${sql.raw(String(PURGE_BATCH))}
          ) returning id`,
    );
    deleted += gone.length;
    if (gone.length < PURGE_BATCH) return deleted;
  }
}

/**
 * Recomputes one UTC day of usage per platform, channel and model: questions, unanswered, tokens, the
 * estimated cost (from `prices`, the settings' price table) and latency p50/p95. A row only ever grows:
 * once the retention purge has deleted some of a day's messages, recomputing that day does not shrink
 * what was already counted. Returns how many rows were written.
 */
export async function rollupUsage(db: Db, day: string, prices: readonly ModelPrice[] = []): Promise<number> {
  if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw new RangeError(`not a day (YYYY-MM-DD): ${day}`);
  }
  const groups = await rows<{
    platform: string;
    channel_id: string;
    model: string;
    questions: number;
    unanswered: number;
    prompt_tokens: number | string;
    completion_tokens: number | string;
    latency_p50_ms: number;
    latency_p95_ms: number;
  }>(
    db,
    sql`select c.platform, coalesce(c.channel_id, '') as channel_id, m.model,
               count(*)::int as questions, (count(*) filter (where not m.answered))::int as unanswered,
               coalesce(sum(m.prompt_tokens), 0)::bigint as prompt_tokens,
               coalesce(sum(m.completion_tokens), 0)::bigint as completion_tokens,
               round(percentile_cont(0.5) within group (order by m.latency_ms))::int as latency_p50_ms,
               round(percentile_cont(0.95) within group (order by m.latency_ms))::int as latency_p95_ms
        from messages m join conversations c on c.id = m.conversation_id
        where m.created_at >= (${day}::date)::timestamp at time zone 'UTC'
          and m.created_at < (${day}::date + 1)::timestamp at time zone 'UTC'
        group by c.platform, coalesce(c.channel_id, ''), m.model`,
  );
  if (groups.length === 0) return 0;
  const values = groups.map((group) => {
    const tokens = {
      promptTokens: Number(group.prompt_tokens),
      completionTokens: Number(group.completion_tokens),
    };
    return { ...group, ...tokens, cost_usd: estimateCostUsd(group.model, tokens, prices) ?? 0 };
  });
  const written = await rows<{ day: string }>(
    db,
    sql`insert into usage_daily (day, platform, channel_id, model, questions, unanswered, prompt_tokens,
                                 completion_tokens, cost_usd, latency_p50_ms, latency_p95_ms)
        select ${day}::date, v.platform::platform, v.channel_id, v.model, v.questions, v.unanswered,
               v."promptTokens", v."completionTokens", v.cost_usd, v.latency_p50_ms, v.latency_p95_ms
        from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v(
          platform text, channel_id text, model text, questions int, unanswered int, "promptTokens" bigint,
          "completionTokens" bigint, cost_usd float8, latency_p50_ms int, latency_p95_ms int)
        on conflict (day, platform, channel_id, model) do update set
          questions = excluded.questions,
          unanswered = excluded.unanswered,
          prompt_tokens = excluded.prompt_tokens,
          completion_tokens = excluded.completion_tokens,
          cost_usd = excluded.cost_usd,
          latency_p50_ms = excluded.latency_p50_ms,
          latency_p95_ms = excluded.latency_p95_ms
        where usage_daily.questions <= excluded.questions
        returning day`,
  );
  return written.length;
}
