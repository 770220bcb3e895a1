/** When Slack is on, and how: HTTP with a signing secret, Socket Mode with an app token, off otherwise. */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#core';
import type { ChatConversation } from '../../bot/conversation/index.ts';
import { createSlackAdapter } from '../../bot/slack/index.ts';
import { silentLogger } from '../support/engine.ts';

const conversation: ChatConversation = {
  handleMessage: async () => 'ignored',
  shareAnswer: async () => 'not_found',
  recordFeedback: async () => false,
};

async function endpointStatus(env: Record<string, string>): Promise<{ mode: string | null; status: number }> {
  const adapter = createSlackAdapter({ config: loadConfig(env), conversation, logger: silentLogger });
  const app = Fastify();
  await adapter?.register(app);
  const response = await app.inject({
    method: 'POST',
    url: '/slack/events',
    payload: '{}',
    headers: { 'content-type': 'application/json' },
  });
  await app.close();
  return { mode: adapter?.mode ?? null, status: response.statusCode };
}

describe('Slack adapter configuration', () => {
  it('stays off without a bot token, or with a token but neither a signing secret nor an app token', async () => {
    expect(await endpointStatus({})).toEqual({ mode: null, status: 404 });
    expect(await endpointStatus({ SLACK_SIGNING_SECRET: 's' })).toEqual({ mode: null, status: 404 });
    expect(await endpointStatus({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual({ mode: null, status: 404 });
  });

  it('serves POST /slack/events (signature-checked) with a bot token and a signing secret', async () => {
    expect(await endpointStatus({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' })).toEqual({
      mode: 'http',
      status: 401,
    });
  });

  it('uses Socket Mode with an app token, with no HTTP endpoint and no connection until the process listens', async () => {
    expect(await endpointStatus({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' })).toEqual({
      mode: 'socket',
      status: 404,
    });
  });
});
