/**
 * The Slack test rig: a test engine whose answers come from a fake OpenAI-compatible model, the real web
 * app (buildApp) with the real Bolt app inside, and a fake Slack Web API on loopback. Payloads are
 * signed the way Slack signs them and sent through POST /slack/events.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Ask, Config } from '#core';
import { bindChannel, schema } from '#db';
import { buildApp } from '../../bot/app.ts';
import { chatPlatformsOf } from '../../bot/chat-platforms.ts';
import { signSlackRequest } from '../../bot/slack/index.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../fakes/openai-server.ts';
import {
  type FakeSlack,
  type FakeSlackOptions,
  type FakeSlackUser,
  type SlackCall,
  startFakeSlack,
} from '../fakes/slack-api.ts';
import { createTestEngine, type TestEngine } from './engine.ts';

export const SIGNING_SECRET = 'slack-test-signing-secret';
export const BOT_TOKEN = 'xoxb-test-token';
/** The fixtures' workspace and bot user (event_app_mention.json mentions W111; authorizations name it the bot). */
export const TEAM_ID = 'T111';
export const BOT_USER_ID = 'W111';

/** Payloads from shared/fixtures/slack, copied byte for byte into tests/fixtures/slack. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/slack/${name}`, import.meta.url), 'utf8');
}

export const PEOPLE: readonly FakeSlackUser[] = [
  { id: 'W222', email: 'w222@example.com', name: 'Wanda Asker' },
  { id: 'U111', email: 'u111@example.com', name: 'Ulrich Thread' },
  // The fixtures' slash command and button click come from W111 (Slack's placeholder ids): a person to users.info.
  { id: 'W111', email: 'w111@example.com', name: 'Primary Owner' },
  // A Korean employee whose Slack is set to Korean.
  { id: 'W444', email: 'w444@example.com', name: '김지민', locale: 'ko-KR' },
];

export interface SlackRig {
  readonly t: TestEngine;
  readonly slack: FakeSlack;
  readonly model: FakeOpenAi;
  readonly app: FastifyInstance;
  /** Sends a body as Slack would: signed with the signing secret and the current time. */
  send(body: string, options?: SendOptions): Promise<LightMyRequestResponse>;
  /** Waits until every Slack request so far has been fully handled (answers included). */
  drain(): Promise<void>;
  /** Binds a Slack channel to collections, as an admin would. */
  bind(channelId: string, collectionIds: readonly string[], replyMode?: 'mention' | 'all'): Promise<void>;
  /** A second web app on the same engine with other config or another ask (e.g. one that fails). */
  buildOther(overrides: { config?: Partial<Config>; ask?: Ask }): Promise<FastifyInstance>;
  /** Forgets what the previous test left: handled event ids, conversations, bindings, recorded calls. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface SendOptions {
  readonly contentType?: string;
  readonly timestamp?: string;
  readonly signature?: string;
  readonly headers?: Record<string, string>;
  readonly app?: FastifyInstance;
}

/** `fake.appToken` also opens the fake's Socket Mode end (set SLACK_APP_TOKEN in `env` to use it). */
export async function startSlackRig(
  env: Record<string, string> = {},
  fake: Pick<FakeSlackOptions, 'appToken'> = {},
): Promise<SlackRig> {
  const slack = await startFakeSlack({
    token: BOT_TOKEN,
    botUserId: BOT_USER_ID,
    teamId: TEAM_ID,
    users: PEOPLE,
    ...fake,
  });
  const model = await startFakeOpenAi({
    models: { '*': { reply: 'Employees get 25 vacation days a year [1].' } },
  });
  const t = await createTestEngine({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.url,
    CHAT_MODEL: 'fake-chat',
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'test-key',
    CHAT_RATE_LIMIT_PER_MINUTE: '1000',
    ...env,
  });
  const apps: FastifyInstance[] = [];
  const build = async (overrides: { config?: Partial<Config>; ask?: Ask } = {}) => {
    const app = await buildApp({
      config: Object.freeze({ ...t.config, ...overrides.config }),
      logger: t.engine.logger,
      database: t.database,
      ask: overrides.ask ?? t.engine.ask,
      documents: t.engine.documents,
      queue: t.queue,
    });
    apps.push(app);
    return app;
  };
  const app = await build();
  const drain = async () => {
    for (const each of apps) await chatPlatformsOf(each)?.slack?.drain();
  };

  return {
    t,
    slack,
    model,
    app,
    async send(body, options = {}) {
      const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
      const contentType =
        options.contentType ??
        (body.trimStart().startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded');
      return (options.app ?? app).inject({
        method: 'POST',
        url: '/slack/events',
        payload: body,
        headers: {
          'content-type': contentType,
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': options.signature ?? signSlackRequest(SIGNING_SECRET, timestamp, body),
          ...options.headers,
        },
      });
    },
    drain,
    async bind(channelId, collectionIds, replyMode = 'mention') {
      await bindChannel(t.database.db, {
        platform: 'slack',
        workspaceId: TEAM_ID,
        channelId,
        collectionIds,
        replyMode,
      });
    },
    buildOther: build,
    async reset() {
      await drain();
      const db = t.database.db;
      await db.delete(schema.processedEvents);
      await db.delete(schema.channels);
      await db.delete(schema.conversations);
      slack.reset();
      model.requests.length = 0;
      model.unexpected.length = 0;
    },
    async close() {
      for (const each of apps) await each.close();
      await t.close();
      await slack.close();
      await model.close();
    },
  };
}

/** The JSON body of a fixture with some fields changed, for payloads the fixtures do not cover. */
export function variant(name: string, change: (body: Record<string, unknown>) => void): string {
  const body = JSON.parse(fixture(name)) as Record<string, unknown>;
  change(body);
  return JSON.stringify(body);
}

/** A form-encoded interactivity body (`payload=<JSON>`) built from the button fixture. */
export function interactionBody(change: (payload: Record<string, unknown>) => void): string {
  const payload = JSON.parse(fixture('block_actions_button.json')) as Record<string, unknown>;
  change(payload);
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Everything streamed into one Slack message (start, appends, stop), in order. */
export function streamedText(calls: readonly SlackCall[], ts: string): string {
  let text = '';
  for (const call of calls) {
    const inStream =
      call.method === 'chat.startStream'
        ? call.response?.ts === ts
        : (call.method === 'chat.appendStream' || call.method === 'chat.stopStream') && call.args.ts === ts;
    if (inStream) text += String(call.args.markdown_text ?? '');
  }
  return text;
}

/** Waits until `n` answers have been streamed to the end. */
export async function waitForStreams(slack: FakeSlack, n: number): Promise<void> {
  await slack.waitFor((calls) => calls.filter((c) => c.method === 'chat.stopStream').length >= n);
}

/** The text of every block of a call (sections, buttons), for assertions on what a person sees. */
export function blocksText(call: SlackCall | undefined): string {
  return JSON.stringify(call?.args.blocks ?? []);
}

/** The value of the button `actionId` among a call's blocks (the answer's message id). */
export function buttonValue(call: SlackCall | undefined, actionId: string): string | undefined {
  const blocks = (call?.args.blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[];
  return blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId)?.value;
}
