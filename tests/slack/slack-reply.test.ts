/** Slack replies within Slack's limits and pace, against the fake Web API with the real Web API client. */
import { webApi } from '@slack/bolt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAnswer, ChatLocation, Source } from '#core';
import { createEphemeralReply, createStreamedReply, createStreamPacer } from '../../bot/slack/slack-reply.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/slack-api.ts';
import { silentLogger } from '../support/engine.ts';
import { streamedText } from '../support/slack.ts';

let slack: FakeSlack;
let client: webApi.WebClient;
beforeAll(async () => {
  slack = await startFakeSlack({ token: 'xoxb-t' });
  client = new webApi.WebClient('xoxb-t', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
});
afterAll(async () => slack?.close());
beforeEach(() => slack.reset());
afterEach(() => {
  expect(slack.unexpected).toEqual([]);
  expect(slack.violations).toEqual([]);
});

const channel: ChatLocation = {
  platform: 'slack',
  workspaceId: 'T1',
  channelId: 'C1',
  threadId: '1.2',
  place: 'channel',
};
const asker = { platform: 'slack' as const, workspaceId: 'T1', userId: 'U1' };
const source = (n: number): Source => ({
  n,
  chunkId: String(n),
  documentId: `d${n}`,
  documentVersion: 1,
  title: `Document ${n} | with a pipe`,
  section: 'Leave › Vacation',
  page: null,
  url: `https://intranet.example.com/doc/${n}?a=1&b=2`,
  snippet: '',
  text: '',
});
const answerOf = (text: string, sources: Source[] = [source(1)]): ChatAnswer => ({
  messageId: '00000000-0000-4000-8000-000000000001',
  text,
  answered: true,
  sources,
  shareable: false,
});

describe('streamed replies', () => {
  it('batches many small deltas into a few appends instead of one call each', async () => {
    const reply = createStreamedReply({
      client,
      location: channel,
      asker,
      pacer: createStreamPacer(),
      logger: silentLogger,
    });
    const words = Array.from({ length: 300 }, (_, i) => `word${i} `);
    for (const word of words) await reply.append(word);
    const ts = await reply.finish(answerOf(words.join('')));
    expect(slack.callsTo('chat.startStream')).toHaveLength(1);
    expect(slack.callsTo('chat.appendStream').length).toBeLessThanOrEqual(2);
    expect(streamedText(slack.calls, ts!)).toBe(words.join(''));
  });

  it('keeps a very long answer within Slack’s limits, continuing in further messages, sources on the last', async () => {
    const reply = createStreamedReply({
      client,
      location: channel,
      asker,
      pacer: createStreamPacer(),
      logger: silentLogger,
    });
    const paragraph = `${'All employees are entitled to paid leave as described here. '.repeat(40)}\n\n`;
    const text = paragraph.repeat(45); // about 110,000 characters
    for (let i = 0; i < text.length; i += 5000) await reply.append(text.slice(i, i + 5000));
    const sources = Array.from({ length: 60 }, (_, i) => source(i + 1));
    const ts = await reply.finish(answerOf(text, sources));
    const starts = slack.callsTo('chat.startStream');
    expect(starts.length).toBeGreaterThanOrEqual(3);
    const all = starts.map((s) => streamedText(slack.calls, String(s.response?.ts))).join('');
    expect(all === text, 'every character arrives once, in order').toBe(true);
    const stops = slack.callsTo('chat.stopStream');
    expect(stops.at(-1)?.args.ts).toBe(ts);
    expect(JSON.stringify(stops.at(-1)?.args.blocks)).toContain('*[60]*');
    expect(JSON.stringify(stops.slice(0, -1).map((s) => s.args.blocks ?? null))).not.toContain('Sources');
  });

  it('renders sources with a safe link, the section, and the feedback buttons', async () => {
    const reply = createStreamedReply({
      client,
      location: channel,
      asker,
      pacer: createStreamPacer(),
      logger: silentLogger,
    });
    await reply.append('Twenty-five days [1].');
    await reply.finish(answerOf('Twenty-five days [1].'));
    const blocks = JSON.stringify(slack.callsTo('chat.stopStream')[0]?.args.blocks);
    expect(blocks).toContain(
      '*[1]* <https://intranet.example.com/doc/1?a=1&b=2|Document 1 ¦ with a pipe> · Leave › Vacation',
    );
    expect(blocks).toContain('👍 Helpful');
    expect(blocks).toContain('👎 Not helpful');
  });
});

describe('ephemeral replies', () => {
  it('posts once, splitting long text into sections of at most 3,000 characters and 50 blocks a message', async () => {
    const location: ChatLocation = { ...channel, threadId: null, place: 'private' };
    const reply = createEphemeralReply({ client, location, asker });
    const text = `${'A sentence about the travel policy and its many rules. '.repeat(60)}\n\n`.repeat(60);
    await reply.append(text);
    await reply.finish({ ...answerOf(text), shareable: true });
    const posts = slack.callsTo('chat.postEphemeral');
    expect(posts.length).toBeGreaterThan(1);
    const last = JSON.stringify(posts.at(-1)?.args.blocks);
    expect(last).toContain('exgpt_share');
    expect(JSON.stringify(posts.slice(0, -1).map((p) => p.args.blocks))).not.toContain('exgpt_share');
    expect(slack.callsTo('chat.startStream')).toEqual([]);
  });
});
