/**
 * The Teams test rig: a test engine whose answers come from a fake OpenAI-compatible model, the real web
 * app (buildApp) with botbuilder inside, and a fake Bot Framework (connector + token issuer) on loopback.
 * Activities are the fixtures as they are, with only `serviceUrl` pointed at the fake, sent through
 * POST /api/messages with a token signed the way the Bot Framework signs them.
 */
import { readFileSync } from 'node:fs';
import { ConfigurationServiceClientCredentialFactory } from 'botbuilder';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Ask, Config } from '#core';
import { bindChannel, schema } from '#db';
import { buildApp } from '../../bot/app.ts';
import { chatPlatformsOf } from '../../bot/chat-platforms.ts';
import type { TeamsCredentialsFactory } from '../../bot/teams/index.ts';
import {
  type FakeBotConnector,
  type FakeTeamsMember,
  startFakeBotConnector,
} from '../fakes/bot-connector.ts';
import { type FakeOpenAi, startFakeOpenAi } from '../fakes/openai-server.ts';
import { createTestEngine, type TestEngine } from './engine.ts';

export const APP_ID = '0b6fe6d1-fece-44f7-9a48-56465e2d5ab8';
export const OUTBOUND_TOKEN = 'fake-bot-connector-token';

/** Activities from shared/fixtures/teams, copied byte for byte into tests/fixtures/teams. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/teams/${name}`, import.meta.url), 'utf8');
}

export type ActivityJson = Record<string, unknown>;

export function fixtureActivity(name: string): ActivityJson {
  return JSON.parse(fixture(name)) as ActivityJson;
}

/** The people in the fixtures, as the connector's member lookup knows them. */
export const PEOPLE: readonly FakeTeamsMember[] = [
  {
    id: '29:17bUvCasIPKfQIXHvNzcPjD86fwm6GkWc1PvCGP2-NSkNb7AyGYpjQ7Xw-XgTwaHW5JxZ4KMNDxn1kcL8fwX1Nw',
    aadObjectId: 'b15a9416-0ad3-4172-9210-7beb711d3f70',
    name: 'rido',
    email: 'rido@example.com',
  },
  {
    id: '29:1uMVvhoAyfTqdMsyvHL0qlJTTfQF9MOUSI8_cQts2kdSWEZVDyJO2jz-CsNOhQcdYq1Bw4cHT0__O6XDj4AZ-Jw',
    aadObjectId: 'c5e99701-2a32-49c1-a660-4629ceeb8c61',
    name: 'Rido',
    email: 'rido.personal@example.com',
  },
  {
    // A colleague in the same channel who writes Korean; not in any recorded payload, so tests put her id in.
    id: '29:1kMinjiKimTeamsMemberIdForChannelRatingTests0000000000000000000000000000000000000000',
    aadObjectId: '7d0c2a51-8e4b-4f43-9a7c-3b5e1f2d6a90',
    name: '김민지',
    email: 'minji.kim@example.co.kr',
  },
];

/**
 * Outbound tokens without Entra ID: botbuilder's own factory decides which app ids are valid (the
 * audience check of incoming tokens), and requests to the connector carry a fixed token the fake checks.
 */
export function fakeCredentials(appId: string, token: string = OUTBOUND_TOKEN): TeamsCredentialsFactory {
  const factory = new ConfigurationServiceClientCredentialFactory({
    MicrosoftAppId: appId,
    MicrosoftAppPassword: 'x',
  });
  factory.createCredentials = async () =>
    ({
      signRequest: async (request: { headers: { set(name: string, value: string): void } }) => {
        request.headers.set('authorization', `Bearer ${token}`);
        return request;
      },
    }) as never;
  return factory;
}

export interface TeamsRig {
  readonly t: TestEngine;
  readonly connector: FakeBotConnector;
  readonly model: FakeOpenAi;
  readonly app: FastifyInstance;
  /** Sends an activity (only its serviceUrl pointed at the fake) with a valid token, or the one given. */
  send(activity: ActivityJson, options?: SendOptions): Promise<LightMyRequestResponse>;
  /** Waits until every activity so far has been fully handled (answers included). */
  drain(): Promise<void>;
  bind(channelId: string, collectionIds: readonly string[], workspaceId?: string): Promise<void>;
  buildOther(overrides: { config?: Partial<Config>; ask?: Ask }): Promise<FastifyInstance>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface SendOptions {
  /** The Authorization header; null sends none. Default: a valid token for APP_ID. */
  readonly authorization?: string | null;
  readonly app?: FastifyInstance;
  /** Keep the activity's own serviceUrl. */
  readonly keepServiceUrl?: boolean;
}

export async function startTeamsRig(env: Record<string, string> = {}): Promise<TeamsRig> {
  const connector = await startFakeBotConnector({ members: PEOPLE, outboundToken: OUTBOUND_TOKEN });
  const model = await startFakeOpenAi({
    models: { '*': { reply: 'Employees get 25 vacation days a year [1].' } },
  });
  const t = await createTestEngine({
    MICROSOFT_APP_ID: APP_ID,
    MICROSOFT_OPENID_METADATA_URL: connector.openIdMetadataUrl,
    TEAMS_STREAM_INTERVAL_MS: '5',
    CHAT_MODEL: 'fake-chat',
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'test-key',
    CHAT_RATE_LIMIT_PER_MINUTE: '1000',
    ...env,
  });
  const apps: FastifyInstance[] = [];
  const build = async (overrides: { config?: Partial<Config>; ask?: Ask } = {}) => {
    const config = Object.freeze({ ...t.config, ...overrides.config });
    const app = await buildApp({
      config,
      logger: t.engine.logger,
      database: t.database,
      ask: overrides.ask ?? t.engine.ask,
      documents: t.engine.documents,
      queue: t.queue,
      teamsCredentials: fakeCredentials(config.MICROSOFT_APP_ID ?? ''),
    });
    apps.push(app);
    return app;
  };
  const app = await build();
  const drain = async () => {
    for (const each of apps) await chatPlatformsOf(each)?.teams?.drain();
  };

  return {
    t,
    connector,
    model,
    app,
    async send(activity, options = {}) {
      const body = options.keepServiceUrl ? activity : { ...activity, serviceUrl: connector.url };
      const authorization =
        options.authorization === undefined
          ? `Bearer ${await connector.token(APP_ID)}`
          : options.authorization;
      return (options.app ?? app).inject({
        method: 'POST',
        url: '/api/messages',
        payload: JSON.stringify(body),
        headers: {
          'content-type': 'application/json',
          ...(authorization === null ? {} : { authorization }),
        },
      });
    },
    drain,
    async bind(channelId, collectionIds, workspaceId = '') {
      await bindChannel(t.database.db, { platform: 'teams', workspaceId, channelId, collectionIds });
    },
    buildOther: build,
    async reset() {
      await drain();
      const db = t.database.db;
      await db.delete(schema.processedEvents);
      await db.delete(schema.channels);
      await db.delete(schema.conversations);
      await db.delete(schema.conversationReferences);
      connector.reset();
      model.requests.length = 0;
      model.unexpected.length = 0;
    },
    async close() {
      for (const each of apps) await each.close();
      await t.close();
      await connector.close();
      await model.close();
    },
  };
}

/** A personal-chat message from the person in the personal-chat fixture (the invoke's envelope). */
export function personalMessage(
  text: string,
  id = `${Date.now()}${Math.floor(Math.random() * 1000)}`,
): ActivityJson {
  const invoke = fixtureActivity('invoke_adaptiveCard_action.json');
  return {
    type: 'message',
    id,
    text,
    textFormat: 'plain',
    channelId: invoke.channelId,
    serviceUrl: invoke.serviceUrl,
    channelData: invoke.channelData,
    from: invoke.from,
    recipient: invoke.recipient,
    conversation: invoke.conversation,
    entities: invoke.entities,
    locale: 'en-US',
  };
}

/** The streaminfo entity of a sent activity. */
export function streamInfo(activity: ActivityJson): ActivityJson | undefined {
  const entities = (activity.entities ?? []) as ActivityJson[];
  return entities.find((e) => e.type === 'streaminfo');
}

/** The schema.org Message entity of a sent activity. */
export function messageEntity(activity: ActivityJson): ActivityJson | undefined {
  const entities = (activity.entities ?? []) as ActivityJson[];
  return entities.find((e) => e['@type'] === 'Message');
}
