/**
 * The app manifest a workspace installs must grant what the adapter uses: a missing scope or event
 * subscription fails only in a real workspace, so it is checked here against the calls the tests saw.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(
  readFileSync(new URL('../../bot/slack/manifest.json', import.meta.url), 'utf8'),
) as {
  display_information: { description: string; long_description: string };
  features: {
    slash_commands: { command: string; url: string; description: string; usage_hint: string }[];
    assistant_view?: { assistant_description: string };
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
  };
};

/** Web API methods the adapter calls → the bot scope each needs (per Slack's method reference). */
const METHOD_SCOPES: Record<string, string | null> = {
  'auth.test': null,
  'users.info': 'users:read',
  'chat.startStream': 'chat:write',
  'chat.appendStream': 'chat:write',
  'chat.stopStream': 'chat:write',
  'chat.postMessage': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'assistant.threads.setStatus': 'assistant:write',
  'assistant.threads.setSuggestedPrompts': 'assistant:write',
  'views.open': null,
};

describe('Slack app manifest', () => {
  const scopes = new Set(manifest.oauth_config.scopes.bot);

  it('grants the scope of every Web API method the adapter calls, and email for mapping users', () => {
    const adapterSource = ['slack-platform.ts', 'slack-reply.ts', 'slack-listeners.ts', 'slack-app.ts']
      .map((f) => readFileSync(new URL(`../../bot/slack/${f}`, import.meta.url), 'utf8'))
      .join('\n');
    const called = new Set(
      [...adapterSource.matchAll(/client\.((?:chat|users|assistant\.threads|views|auth)\.\w+)\(/g)].map(
        (m) => m[1]!,
      ),
    );
    expect(called.size).toBeGreaterThan(5);
    for (const method of called) {
      expect(method in METHOD_SCOPES, `${method} has a known scope`).toBe(true);
      const scope = METHOD_SCOPES[method];
      if (scope) expect(scopes.has(scope), `${method} needs ${scope}`).toBe(true);
    }
    expect(scopes.has('users:read.email')).toBe(true);
  });

  it('subscribes to every event it answers, with the read scope each needs, and has /ask and the assistant', () => {
    const events = manifest.settings.event_subscriptions.bot_events;
    const needs: Record<string, string> = {
      app_mention: 'app_mentions:read',
      'message.channels': 'channels:history',
      'message.groups': 'groups:history',
      'message.im': 'im:history',
      'message.mpim': 'mpim:history',
      assistant_thread_started: 'assistant:write',
    };
    for (const [event, scope] of Object.entries(needs)) {
      expect(events).toContain(event);
      expect(scopes.has(scope), `${event} needs ${scope}`).toBe(true);
    }
    expect(manifest.features.assistant_view).toBeDefined();
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/ask']);
    expect(scopes.has('commands')).toBe(true);
  });

  it('describes the app, the assistant and /ask in Korean too, within Slack’s lengths', () => {
    // A Slack manifest has one language: each text carries the English and the Korean sentence.
    const { description, long_description } = manifest.display_information;
    const [ask] = manifest.features.slash_commands;
    const texts = [
      description,
      long_description,
      manifest.features.assistant_view?.assistant_description ?? '',
      ask!.description,
      ask!.usage_hint,
    ];
    for (const text of texts) {
      expect(text).toMatch(/\p{Script=Hangul}/u);
      expect(text).toMatch(/[A-Za-z]{4}/);
    }
    expect(description.length).toBeLessThanOrEqual(140);
    expect(long_description.length).toBeGreaterThanOrEqual(175);
    expect(long_description.length).toBeLessThanOrEqual(4000);
  });

  it('sends events, interactivity and the command to POST /slack/events', () => {
    const urls = [
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
      ...manifest.features.slash_commands.map((c) => c.url),
    ];
    for (const url of urls) expect(new URL(url).pathname).toBe('/slack/events');
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });
});
