/** The Slack adapter against the ChatPlatform conformance suite, read back from the fake Web API. */
import { webApi } from '@slack/bolt';
import { expect } from 'vitest';
import type { ChatPlace } from '#core';
import { createSlackPlatform } from '../../bot/slack/slack-platform.ts';
import { createStreamPacer } from '../../bot/slack/slack-reply.ts';
import { type DeliveredMessage, describeChatPlatformConformance } from '../chat/chat-platform-conformance.ts';
import { type SlackCall, startFakeSlack } from '../fakes/slack-api.ts';
import { silentLogger } from '../support/engine.ts';

describeChatPlatformConformance('Slack', async () => {
  const slack = await startFakeSlack({
    token: 'xoxb-c',
    users: [
      { id: 'U100', email: 'asker@example.com', name: 'Asker' },
      { id: 'B200', name: 'Other bot', isBot: true },
    ],
  });
  const client = new webApi.WebClient('xoxb-c', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  const platform = createSlackPlatform({ client, pacer: createStreamPacer(), logger: silentLogger });
  const locations: Record<ChatPlace, string> = { channel: 'C100', direct: 'D100', private: 'C100' };
  return {
    platform,
    asker: { platform: 'slack', workspaceId: 'T111', userId: 'U100' },
    askerEmail: 'asker@example.com',
    bot: { platform: 'slack', workspaceId: 'T111', userId: 'B200' },
    location: (place) => ({
      platform: 'slack',
      workspaceId: 'T111',
      channelId: locations[place],
      threadId: place === 'private' ? null : '1700000000.000001',
      place,
    }),
    async delivered() {
      expect(slack.unexpected).toEqual([]);
      expect(slack.violations).toEqual([]);
      return deliveredOf(slack.calls);
    },
    async reset() {
      slack.reset();
    },
    close: () => slack.close(),
  };
});

/** What people see, rebuilt from the Web API calls: streams joined, blocks read as text and sources. */
function deliveredOf(calls: readonly SlackCall[]): DeliveredMessage[] {
  const out: (DeliveredMessage & { text: string; sourceTitles: string[]; feedback: boolean })[] = [];
  const streams = new Map<string, (typeof out)[number]>();
  for (const call of calls) {
    const args = call.args;
    const audienceOf = (channel: unknown): 'asker' | 'everyone' =>
      String(channel).startsWith('D') ? 'asker' : 'everyone';
    if (call.method === 'chat.startStream' && call.response?.ok) {
      const message = {
        id: String(call.response.ts),
        text: String(args.markdown_text ?? ''),
        audience: audienceOf(args.channel),
        sourceTitles: [],
        feedback: false,
      };
      streams.set(message.id, message);
      out.push(message);
    } else if (
      (call.method === 'chat.appendStream' || call.method === 'chat.stopStream') &&
      call.response?.ok
    ) {
      const message = streams.get(String(args.ts));
      if (!message) continue;
      message.text += String(args.markdown_text ?? '');
      if (args.blocks) {
        const { sourceTitles, feedback } = readBlocks(args.blocks, false);
        Object.assign(message, { sourceTitles, feedback });
      }
    } else if (
      (call.method === 'chat.postMessage' || call.method === 'chat.postEphemeral') &&
      call.response?.ok
    ) {
      const read = readBlocks(args.blocks, true);
      out.push({
        id: String(call.response.ts ?? call.response.message_ts),
        text: read.text || String(args.text ?? ''),
        audience: call.method === 'chat.postEphemeral' ? 'asker' : audienceOf(args.channel),
        sourceTitles: read.sourceTitles,
        feedback: read.feedback,
      });
    }
  }
  return out;
}

function readBlocks(
  blocks: unknown,
  withText: boolean,
): { text: string; sourceTitles: string[]; feedback: boolean } {
  const list = (Array.isArray(blocks) ? blocks : []) as {
    type: string;
    text?: { text: string };
    elements?: { action_id?: string }[];
  }[];
  const sections = list.filter((b) => b.type === 'section').map((b) => b.text?.text ?? '');
  const sources = sections.filter((t) => t.startsWith('*Sources*'));
  const sourceTitles = sources.flatMap((t) =>
    [...t.matchAll(/\*\[\d+\]\* (?:<[^|>]+\|([^>]+)>|\*([^*]+)\*)/g)].map((m) => m[1] ?? m[2] ?? ''),
  );
  const feedback = list.some((b) => b.elements?.some((e) => e.action_id === 'exgpt_feedback_up'));
  const text = withText ? sections.filter((t) => !t.startsWith('*Sources*')).join('\n') : '';
  return { text, sourceTitles, feedback };
}
