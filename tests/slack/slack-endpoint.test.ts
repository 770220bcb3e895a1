/** POST /slack/events itself: Slack's request signing, replay protection, url_verification, the ack. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Ask } from '#core';
import { schema } from '#db';
import { MAX_REQUEST_AGE_SECONDS, signSlackRequest, verifySlackSignature } from '../../bot/slack/index.ts';
import { buildCollection } from '../support/engine.ts';
import { fixture, type SlackRig, startSlackRig, waitForStreams } from '../support/slack.ts';

const vector = JSON.parse(fixture('signing_test_vector.json')) as {
  signing_secret: string;
  timestamp: string;
  body: string;
  expected_signature: string;
};

describe('Slack request signing (the signing vector from Slack’s SDK)', () => {
  it('signs the raw body as Slack does', () => {
    expect(signSlackRequest(vector.signing_secret, vector.timestamp, vector.body)).toBe(
      vector.expected_signature,
    );
  });

  it('accepts the vector at its own time, and refuses it tampered with, re-signed or replayed late', () => {
    const at = (seconds: number) => Number(vector.timestamp) * 1000 + seconds * 1000;
    const base = {
      signingSecret: vector.signing_secret,
      timestamp: vector.timestamp,
      signature: vector.expected_signature,
      rawBody: Buffer.from(vector.body),
    };
    expect(verifySlackSignature({ ...base, nowMs: at(0) })).toEqual({ ok: true });
    expect(verifySlackSignature({ ...base, nowMs: at(MAX_REQUEST_AGE_SECONDS) })).toEqual({ ok: true });
    expect(verifySlackSignature({ ...base, nowMs: at(MAX_REQUEST_AGE_SECONDS + 1) })).toMatchObject({
      reason: 'stale_timestamp',
    });
    expect(
      verifySlackSignature({ ...base, rawBody: Buffer.from(`${vector.body}x`), nowMs: at(0) }),
    ).toMatchObject({
      reason: 'bad_signature',
    });
    expect(verifySlackSignature({ ...base, signingSecret: 'another-secret', nowMs: at(0) })).toMatchObject({
      reason: 'bad_signature',
    });
    expect(verifySlackSignature({ ...base, signature: undefined, nowMs: at(0) })).toMatchObject({
      reason: 'missing_headers',
    });
  });
});

describe('POST /slack/events', () => {
  let rig: SlackRig;
  beforeAll(async () => {
    rig = await startSlackRig();
  });
  afterAll(async () => rig?.close());
  beforeEach(async () => rig.reset());
  afterEach(() => {
    expect(rig.slack.unexpected).toEqual([]);
    expect(rig.slack.violations).toEqual([]);
  });

  /** Nothing reached Slack but, at most, Bolt's one-time auth.test (the bot's own ids). */
  async function nothingHandled(): Promise<void> {
    await rig.drain();
    expect(rig.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
    expect(await rig.t.database.db.select().from(schema.processedEvents)).toEqual([]);
    expect(rig.model.requests).toEqual([]);
  }

  it('refuses a bad signature with 401 and handles nothing', async () => {
    const body = fixture('event_app_mention.json');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const forged = signSlackRequest('not-the-signing-secret', timestamp, body);
    const response = await rig.send(body, { timestamp, signature: forged });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    const unsigned = await rig.app.inject({
      method: 'POST',
      url: '/slack/events',
      payload: body,
      headers: { 'content-type': 'application/json' },
    });
    expect(unsigned.statusCode).toBe(401);
    await nothingHandled();
  });

  it('refuses a correctly signed request older than five minutes (a replay) with 401', async () => {
    const stale = String(Math.floor(Date.now() / 1000) - MAX_REQUEST_AGE_SECONDS - 5);
    const response = await rig.send(fixture('event_app_mention.json'), { timestamp: stale });
    expect(response.statusCode).toBe(401);
    await nothingHandled();
  });

  it('refuses a body changed after signing', async () => {
    const body = fixture('event_app_mention.json');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = signSlackRequest('slack-test-signing-secret', timestamp, body);
    const response = await rig.send(body.replace('Hi there!', 'Show me the payroll'), {
      timestamp,
      signature,
    });
    expect(response.statusCode).toBe(401);
    await nothingHandled();
  });

  it('answers url_verification with the challenge', async () => {
    const body = fixture('url_verification.json');
    const response = await rig.send(body);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ challenge: JSON.parse(body).challenge });
    await nothingHandled();
  });

  it('acknowledges an event with an empty 200 before the answer exists, and answers afterwards', async () => {
    // An answer that waits until the test lets it go: the ack cannot be waiting for it.
    const gate = Promise.withResolvers<void>();
    const gatedAsk: Ask = {
      async *stream(input) {
        await gate.promise;
        yield { type: 'delta', text: 'Later, as promised.' };
        yield {
          type: 'done',
          result: {
            messageId: '00000000-0000-4000-8000-000000000001',
            conversationId: '00000000-0000-4000-8000-000000000002',
            question: input.question,
            standaloneQuestion: input.question,
            answer: 'Later, as promised.',
            answered: false,
            sources: [],
            model: 'gated',
            usage: { promptTokens: 0, completionTokens: 0 },
            latencyMs: 0,
          },
        };
      },
      run: () => Promise.reject(new Error('not used')),
    };
    const gated = await rig.buildOther({ ask: gatedAsk });
    const collection = await buildCollection(rig.t, { name: 'gated', everyone: true });
    await rig.bind('C111', [collection.id]);
    const response = await rig.send(fixture('event_app_mention.json'), { app: gated });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(rig.slack.callsTo('chat.startStream')).toEqual([]);
    gate.resolve();
    await waitForStreams(rig.slack, 1);
    expect(rig.slack.callsTo('chat.startStream')[0]?.args.markdown_text).toBe('Later, as promised.');
  });

  it('acknowledges a button it does not know (the fixture’s action "a") and does nothing else', async () => {
    const response = await rig.send(fixture('block_actions_button.form.txt'));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    await nothingHandled();
  });
});
