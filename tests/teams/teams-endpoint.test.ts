/**
 * POST /api/messages: every request's Bot Framework token is checked by botframework-connector against
 * the signing keys published at MICROSOFT_OPENID_METADATA_URL (here a local issuer); a refused request
 * gets 401 and reaches nothing. Without an app id only the explicit development mode takes activities.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '#core';
import { schema } from '#db';
import { APP_ID, fixtureActivity, startTeamsRig, type TeamsRig } from '../support/teams.ts';

let rig: TeamsRig;
beforeAll(async () => {
  rig = await startTeamsRig();
});
afterAll(async () => rig?.close());
beforeEach(async () => rig.reset());

const mention = () => fixtureActivity('message_channel_thread_mention.json');

async function nothingHandled(): Promise<void> {
  await rig.drain();
  expect(rig.connector.sent).toEqual([]);
  expect(await rig.t.database.db.select().from(schema.processedEvents)).toEqual([]);
}

describe('Teams endpoint authentication', () => {
  it('takes an activity with a valid token, acknowledges it and then handles it', async () => {
    const response = await rig.send(mention());
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    await rig.drain();
    // The channel is not bound: the asker gets the hint, in the thread they wrote in.
    const [hint] = rig.connector.messages();
    expect(hint?.conversationId).toBe(
      '19:6848757105754c8981c67612732d9aa7@thread.tacv2;messageid=1759881511856',
    );
    expect(String(hint?.activity.text)).toContain('connected to a document collection');
    expect(rig.connector.violations).toEqual([]);
  });

  it('refuses a request without a token', async () => {
    const response = await rig.send(mention(), { authorization: null });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('unauthenticated');
    await nothingHandled();
  });

  it('refuses a token for another bot (wrong audience)', async () => {
    const token = await rig.connector.token('11111111-2222-3333-4444-555555555555');
    expect((await rig.send(mention(), { authorization: `Bearer ${token}` })).statusCode).toBe(401);
    await nothingHandled();
  });

  it('refuses a token from another issuer', async () => {
    const token = await rig.connector.token(APP_ID, { iss: 'https://evil.example.com' });
    expect((await rig.send(mention(), { authorization: `Bearer ${token}` })).statusCode).toBe(401);
    await nothingHandled();
  });

  it('refuses an expired token', async () => {
    // Beyond botframework-connector's 5 minutes of clock tolerance.
    const token = await rig.connector.token(APP_ID, {}, { expiresInSeconds: -600 });
    expect((await rig.send(mention(), { authorization: `Bearer ${token}` })).statusCode).toBe(401);
    await nothingHandled();
  });

  it('refuses a token signed with a key the issuer does not publish', async () => {
    const token = await rig.connector.foreignToken(APP_ID);
    expect((await rig.send(mention(), { authorization: `Bearer ${token}` })).statusCode).toBe(401);
    await nothingHandled();
  });

  it('refuses a token issued for another service URL than the activity names', async () => {
    const token = await rig.connector.token(APP_ID, { serviceurl: 'https://smba.trafficmanager.net/amer/' });
    expect((await rig.send(mention(), { authorization: `Bearer ${token}` })).statusCode).toBe(401);
    await nothingHandled();
  });

  it('checks tokens the same way for a single-tenant app', async () => {
    const app = await rig.buildOther({
      config: {
        MICROSOFT_APP_TYPE: 'SingleTenant',
        MICROSOFT_APP_TENANT_ID: '50612dbb-0237-4969-b378-8d42590f9c00',
      },
    });
    const wrong = await rig.connector.token('11111111-2222-3333-4444-555555555555');
    expect((await rig.send(mention(), { app, authorization: `Bearer ${wrong}` })).statusCode).toBe(401);
    await nothingHandled();
    expect((await rig.send(mention(), { app })).statusCode).toBe(200);
    await rig.drain();
    expect(rig.connector.messages()).toHaveLength(1);
  });

  it('answers a body that is not an activity with 400', async () => {
    const response = await rig.app.inject({
      method: 'POST',
      url: '/api/messages',
      payload: '[1,2]',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await rig.connector.token(APP_ID)}`,
      },
    });
    expect(response.statusCode).toBe(400);
    await nothingHandled();
  });
});

describe('Teams without an app id', () => {
  it('is off unless the development mode is asked for', async () => {
    const app = await rig.buildOther({ config: { MICROSOFT_APP_ID: undefined } });
    expect((await rig.send(mention(), { app, authorization: null })).statusCode).toBe(404);
  });

  it('takes unauthenticated activities in development mode', async () => {
    const app = await rig.buildOther({ config: { MICROSOFT_APP_ID: undefined, TEAMS_DEV_MODE: true } });
    expect((await rig.send(mention(), { app, authorization: null })).statusCode).toBe(200);
    await rig.drain();
    expect(rig.connector.messages()).toHaveLength(1);
  });

  it('refuses the development mode in production', () => {
    expect(() =>
      loadConfig({ NODE_ENV: 'production', TEAMS_DEV_MODE: 'true', JWT_SECRET: 'x'.repeat(40) }),
    ).toThrow(/TEAMS_DEV_MODE: must not be set when NODE_ENV=production/);
    expect(() => loadConfig({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_TYPE: 'SingleTenant' })).toThrow(
      /MICROSOFT_APP_TENANT_ID/,
    );
  });
});
