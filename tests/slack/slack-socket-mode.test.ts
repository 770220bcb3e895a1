/**
 * Socket Mode (SLACK_APP_TOKEN set): the web process opens a connection with apps.connections.open and
 * takes events over the WebSocket instead of POST /slack/events. The fixture's event goes in as Slack
 * wraps it (an events_api envelope); the app must acknowledge the envelope and answer as over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCollection, ingestText } from '../support/engine.ts';
import { fixture, type SlackRig, startSlackRig, streamedText } from '../support/slack.ts';

const APP_TOKEN = 'xapp-1-A111-fake-socket-token';

let rig: SlackRig;
beforeAll(async () => {
  rig = await startSlackRig({ SLACK_APP_TOKEN: APP_TOKEN }, { appToken: APP_TOKEN });
  const handbook = await buildCollection(rig.t, { name: 'handbook', everyone: true });
  await ingestText(rig.t, {
    collectionId: handbook.id,
    filename: 'vacation-policy.md',
    text: '# Vacation\n\nEvery employee gets 25 vacation days a year. Unused days carry over until March.\n',
  });
  await rig.bind('C111', [handbook.id]);
  // Listening starts Socket Mode (the web app's onListen), as in the web process.
  await rig.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => rig?.close());

describe('Slack in Socket Mode', () => {
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
