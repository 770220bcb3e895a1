/**
 * The housekeeping jobs through the same queue and handlers as everything else: the usage rollup per
 * day, platform, channel and model, the retention purge, and their schedules on BullMQ.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '#core';
import { createProcessedEvents, rows, writeSettings } from '#db';
import { createBullmqQueue } from '../workers/bullmq-queue.ts';
import { DAY_MS, HOUR_MS, scheduleHousekeeping } from '../workers/housekeeping-schedule.ts';
import {
  buildCollection,
  createTestEngine,
  ingestText,
  silentLogger,
  type TestEngine,
} from './support/engine.ts';
import { deleteRedisKeys, REDIS_TEST_URL, requireRedis, testPrefix } from './support/redis.ts';

let t: TestEngine;
const OLD_DAY = new Date(Date.now() - 40 * DAY_MS).toISOString().slice(0, 10);
const TODAY = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  t = await createTestEngine();
  const collection = await buildCollection(t, { everyone: true });
  await ingestText(t, {
    collectionId: collection.id,
    filename: 'leave.md',
    text: '# Leave\n\nFull-time employees receive 28 vacation days per year.',
  });
});
afterAll(async () => {
  await t?.close();
});

async function ask(question: string, platform: Platform, channelId: string | null) {
  return t.engine.ask.run({
    principal: t.admin,
    question,
    conversation: { platform, channelId, threadId: null },
    scope: { userId: t.admin.userId },
  });
}

/** Moves an answer (and its conversation's last activity) to another day and sets its latency. */
async function backdate(messageId: string, conversationId: string, day: string, latencyMs: number) {
  const at = `${day}T12:00:00Z`;
  await t.database.db.execute(
    sql`update messages set created_at = ${at}::timestamptz, latency_ms = ${latencyMs} where id = ${messageId}`,
  );
  await t.database.db.execute(
    sql`update conversations set updated_at = ${at}::timestamptz where id = ${conversationId}`,
  );
}

async function usage(day: string) {
  return rows<{
    platform: string;
    channel_id: string;
    questions: number;
    unanswered: number;
    latency_p50_ms: number;
    latency_p95_ms: number;
  }>(
    t.database.db,
    sql`select platform, channel_id, questions, unanswered, latency_p50_ms, latency_p95_ms
        from usage_daily where day = ${day}::date order by platform, channel_id`,
  );
}

async function run(job: Parameters<TestEngine['queue']['enqueue']>) {
  await t.queue.enqueue(...job);
  await t.queue.drain();
}

describe('housekeeping jobs', () => {
  it('rolls usage up per day, platform and channel, and purges old conversations without losing their usage', async () => {
    const latencies = [100, 200, 300, 400];
    for (const latency of latencies) {
      const result = await ask('How many vacation days do full-time employees get?', 'slack', 'C42');
      await backdate(result.messageId, result.conversationId, OLD_DAY, latency);
    }
    const unanswered = await ask('Who won the 1998 world cup?', 'slack', 'C42');
    await backdate(unanswered.messageId, unanswered.conversationId, OLD_DAY, 1000);
    const recent = await ask('How many vacation days do full-time employees get?', 'api', null);

    // The purge rolls up the days it is about to delete first, since no rollup has counted them yet.
    await run(['purge-conversations', { olderThanDays: 30 }]);
    const [{ n: left } = { n: -1 }] = await rows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from messages`,
    );
    expect(left).toBe(1);
    const [kept] = await rows<{ id: string }>(t.database.db, sql`select id from messages`);
    expect(kept?.id).toBe(recent.messageId);

    const old = await usage(OLD_DAY);
    expect(old).toEqual([
      {
        platform: 'slack',
        channel_id: 'C42',
        questions: 5,
        unanswered: 1,
        latency_p50_ms: 300,
        latency_p95_ms: 880,
      },
    ]);

    // Rolling the purged day up again does not shrink what was counted; today's is computed as asked.
    await run(['rollup-usage', { day: OLD_DAY }]);
    await run(['rollup-usage', {}]);
    await run(['rollup-usage', {}]);
    expect(await usage(OLD_DAY)).toEqual(old);
    expect(await usage(TODAY)).toEqual([
      expect.objectContaining({ platform: 'api', channel_id: '', questions: 1, unanswered: 0 }),
    ]);
  });

  it('prices the tokens with the settings, and purges by the retention an admin stored', async () => {
    const day = new Date(Date.now() - 20 * DAY_MS).toISOString().slice(0, 10);
    const result = await ask('How many vacation days do full-time employees get?', 'teams', 'T1');
    await backdate(result.messageId, result.conversationId, day, 50);
    await t.database.db.execute(
      sql`update messages set model = 'gpt-4o-mini', prompt_tokens = 1000, completion_tokens = 500
          where id = ${result.messageId}`,
    );
    await run(['rollup-usage', { day }]);
    const [row] = await rows<{ cost_usd: number; prompt_tokens: number }>(
      t.database.db,
      sql`select cost_usd, prompt_tokens::int from usage_daily where day = ${day}::date and platform = 'teams'`,
    );
    // gpt-4o-mini: $0.15 per million prompt tokens, $0.60 per million completion tokens.
    expect(row?.prompt_tokens).toBe(1000);
    expect(row?.cost_usd).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1e6, 10);

    // RETENTION_DAYS is off (0) in the payload, but the admin set 10 days in the settings: that wins.
    await writeSettings(t.database.db, { retentionDays: 10 });
    await run(['purge-conversations', { olderThanDays: 0 }]);
    const [{ n } = { n: -1 }] = await rows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from messages where id = ${result.messageId}`,
    );
    expect(n).toBe(0);
  });

  it('the daily purge forgets chat event ids older than a day, even when conversations are kept forever', async () => {
    const events = createProcessedEvents(t.database.db);
    expect(await events.claim('slack', 'Ev-old')).toBe(true);
    expect(await events.claim('slack', 'Ev-new')).toBe(true);
    await t.database.db.execute(
      sql`update processed_events set received_at = now() - interval '2 days' where event_id = 'Ev-old'`,
    );
    await run(['purge-conversations', { olderThanDays: 0 }]);
    // A retry of the recent event is still recognised; the old id is gone.
    expect(await events.claim('slack', 'Ev-new')).toBe(false);
    const left = await rows<{ event_id: string }>(
      t.database.db,
      sql`select event_id from processed_events where event_id like 'Ev-%' order by event_id`,
    );
    expect(left.map((row) => row.event_id)).toEqual(['Ev-new']);
  });

  it('fails a rollup for a malformed day at once, with the reason', async () => {
    await run(['rollup-usage', { day: 'yesterday' }]);
    const failed = (await t.queue.listFailed()).find((job) => job.name === 'rollup-usage');
    expect(failed).toMatchObject({ attempts: 1, payload: { day: 'yesterday' } });
    expect(failed?.reason).toContain('YYYY-MM-DD');
  });
});

describe('housekeeping schedules on BullMQ', () => {
  it('registers the hourly rollup and the daily purge once, replacing them when registered again', async () => {
    await requireRedis();
    const prefix = testPrefix();
    const queue = createBullmqQueue({ url: REDIS_TEST_URL, prefix, logger: silentLogger });
    try {
      await scheduleHousekeeping(queue, { RETENTION_DAYS: 90 });
      await scheduleHousekeeping(queue, { RETENTION_DAYS: 90 });
      const { Queue } = await import('bullmq');
      const inspect = new Queue('jobs', { connection: { url: REDIS_TEST_URL }, prefix });
      try {
        const schedulers = await inspect.getJobSchedulers();
        expect(schedulers.map((s) => [s.key, s.every, s.template?.data ?? {}]).sort()).toEqual([
          ['purge-conversations', DAY_MS, { olderThanDays: 90 }],
          ['rollup-usage', HOUR_MS, {}],
        ]);
        // Retention off: the purge stays scheduled (a retention set later in the settings applies) with 0.
        await scheduleHousekeeping(queue, { RETENTION_DAYS: 0 });
        const again = await inspect.getJobSchedulers();
        expect(again.find((s) => s.key === 'purge-conversations')?.template?.data).toEqual({
          olderThanDays: 0,
        });
        expect(again).toHaveLength(2);
      } finally {
        await inspect.close();
      }
    } finally {
      await queue.close();
      await deleteRedisKeys(REDIS_TEST_URL, prefix);
    }
  });
});
