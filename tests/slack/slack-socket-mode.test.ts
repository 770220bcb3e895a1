/**
 * Socket Mode (SLACK_APP_TOKEN set): the web process opens a connection with apps.connections.open and
 * takes events over the WebSocket instead of POST /slack/events. The fixture's event goes in as Slack
 * wraps it (an events_api envelope); the app must acknowledge the envelope and answer as over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindChannel } from '#db';
import { buildApp } from '../../bot/app.ts';
import { startFakeOpenAi } from '../fakes/openai-server.ts';
import { startFakeSlack } from '../fakes/slack-api.ts';
import { buildCollection, createTestEngine, ingestText } from '../support/engine.ts';
import { BOT_TOKEN, BOT_USER_ID, fixture, PEOPLE, streamedText, TEAM_ID } from '../support/slack.ts';

const APP_TOKEN = 'xapp-1-A111-fake-socket-token';

let close: () => Promise<void> = async () => {};
afterAll(() => close());

describe('Slack in Socket Mode', () => {
  let rig: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    rig = await setUp();
  });

  async function setUp() {
    const slack = await startFakeSlack({
      token: BOT_TOKEN,
      appToken: APP_TOKEN,
      botUserId: BOT_USER_ID,
      teamId: TEAM_ID,
      users: PEOPLE,
    });
    const model = await startFakeOpenAi({
      models: { '*': { reply: 'Employees get 25 vacation days a year [1].' } },
    });
    const t = await createTestEngine({
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: slack.url,
      CHAT_MODEL: 'fake-chat',
      OPENAI_BASE_URL: model.url,
      OPENAI_API_KEY: 'test-key',
    });
    const handbook = await buildCollection(t, { name: 'handbook', everyone: true });
    await ingestText(t, {
      collectionId: handbook.id,
      filename: 'vacation-policy.md',
      text: '# Vacation\n\nEvery employee gets 25 vacation days a year. Unused days carry over until March.\n',
    });
    await bindChannel(t.database.db, {
      platform: 'slack',
      workspaceId: TEAM_ID,
      channelId: 'C111',
      collectionIds: [handbook.id],
    });
    const app = await buildApp({
      config: t.config,
      logger: t.engine.logger,
      database: t.database,
      ask: t.engine.ask,
      documents: t.engine.documents,
      queue: t.queue,
    });
    // Listening starts Socket Mode (the web app's onListen), as in the web process.
    await app.listen({ port: 0, host: '127.0.0.1' });
    close = async () => {
      await app.close();
      await t.close();
      await slack.close();
      await model.close();
    };
    return { slack, app };
  }

  it('connects with the app token, acknowledges an envelope and streams the answer in the thread', async () => {
    const { slack, app } = rig;
    await slack.socket.connected;
    expect(slack.callsTo('apps.connections.open')[0]?.token).toBe(APP_TOKEN);

    const envelope = slack.socket.sendEvent(JSON.parse(fixture('event_app_mention.json')));
    await slack.socket.waitForAck(envelope);
    await slack.waitFor((calls) => calls.some((c) => c.method === 'chat.stopStream'));
    const [start] = slack.callsTo('chat.startStream');
    expect(start?.args).toMatchObject({ channel: 'C111', thread_ts: '1595926230.009600' });
    expect(streamedText(slack.calls, String(start?.response?.ts))).toContain('25 vacation days');
    expect(slack.violations).toEqual([]);

    // No HTTP endpoint for events in Socket Mode: nothing posted there is handled.
    const posted = await app.inject({ method: 'POST', url: '/slack/events', payload: {} });
    expect(posted.statusCode).toBe(404);
  });
});
