/**
 * Issue 12's freeze at its cause, on the real web process (`node bot/main.ts`, embedded database, Slack
 * configured): while the database thread runs a long statement, /healthz and a Slack event's ack are still
 * answered. Asserted as order, from the statement's own clock: answers arrived after it started and before
 * it finished. With PGlite on the HTTP thread, nothing was answered in between.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSlackRequest } from '../bot/slack/index.ts';
import { EMBEDDED_DATABASE_URL, embeddedSocketPath } from '../db/embedded-thread.ts';
import { type FakeSlack, startFakeSlack } from './fakes/slack-api.ts';
import { type ChildProcessUnderTest, killProcess, spawnProcess } from './support/processes.ts';

const SIGNING_SECRET = 'db-thread-signing-secret';
let workDir: string;
let slack: FakeSlack;
let web: ChildProcessUnderTest;
let baseUrl: string;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'exgpt-dbthread-'));
  slack = await startFakeSlack();
  web = spawnProcess('bot/main.ts', {
    DATA_DIR: path.join(workDir, 'data'),
    PORT: '0',
    HOST: '127.0.0.1',
    SEED_SAMPLE_DOCS: 'false',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_API_URL: slack.url,
  });
  baseUrl = (await web.waitForText(/ex-GPT is ready on (http:\/\/\S+)/, 170_000))[1]!;
}, 180_000);

afterAll(async () => {
  await killProcess(web);
  await slack?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** A Korean app mention, signed now, as Slack posts it. */
function slackMention(n: number): { body: string; headers: Record<string, string> } {
  const event = JSON.parse(
    readFileSync(new URL('./fixtures/slack/event_app_mention.json', import.meta.url), 'utf8'),
  ) as { event: Record<string, unknown>; event_id: string };
  event.event.text = '<@W111> 연차는 며칠인가요?';
  event.event.ts = `1595926230.0${String(n).padStart(5, '0')}`;
  event.event_id = `Ev-db-thread-${n}`;
  const body = JSON.stringify(event);
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signSlackRequest(SIGNING_SECRET, timestamp, body),
    },
  };
}

describe('the web process while its database is busy', () => {
  it('answers /healthz and acks Slack events during a long statement', { timeout: 180_000 }, async () => {
    // The database thread's socket, as a worker process reaches it.
    const sql = postgres(EMBEDDED_DATABASE_URL, {
      path: embeddedSocketPath(path.join(workDir, 'data')),
      max: 1,
      onnotice: () => {},
    });
    try {
      await sql`select 1`;
      // One statement that holds PGlite's only backend for a few seconds, stamping its own start and end.
      const long = sql<{ started: number; finished: number; n: number }[]>`
        select extract(epoch from clock_timestamp()) * 1000 as started,
               (select count(*) from generate_series(1, 10000000))::int as n,
               extract(epoch from clock_timestamp()) * 1000 as finished`.then((rows) => rows[0]!);
      let done = false;
      void long.finally(() => {
        done = true;
      });

      const healthAnswers: number[] = [];
      const slackAcks: { at: number; status: number }[] = [];
      let n = 0;
      while (!done) {
        const health = await fetch(`${baseUrl}/healthz`);
        if (health.status === 200) healthAnswers.push(Date.now());
        // Every answered mention is asked afterwards: a few are enough.
        if (++n % 10 !== 1) continue;
        const mention = slackMention(n);
        const ack = await fetch(`${baseUrl}/slack/events`, {
          method: 'POST',
          headers: mention.headers,
          body: mention.body,
        });
        slackAcks.push({ at: Date.now(), status: ack.status });
      }
      const { started, finished, n: counted } = await long;
      expect(counted).toBe(10_000_000);

      const during = (at: number) => at > Number(started) && at < Number(finished);
      expect(healthAnswers.filter(during).length).toBeGreaterThan(0);
      expect(slackAcks.filter((ack) => during(ack.at) && ack.status === 200).length).toBeGreaterThan(0);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});
