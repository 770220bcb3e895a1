import type { Activity } from 'botbuilder';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { ChatAnswer } from '#core';
import { translatorFor } from '#i18n';
import { createStreamedReply, STREAM_LIMIT_MS } from './teams-reply.ts';

const logger = pino({ level: 'silent' });
const answer: ChatAnswer = {
  messageId: 'm1',
  text: 'Every employee gets 25 vacation days a year.',
  answered: true,
  sources: [],
  shareable: false,
};

/** A connector that records what it is sent; `failOn` makes that call (1-based) fail. */
function recorder(failOn: (n: number, activity: Partial<Activity>) => boolean = () => false) {
  const sent: Partial<Activity>[] = [];
  const send = async (activity: Partial<Activity>) => {
    sent.push(activity);
    if (failOn(sent.length, activity)) throw new Error('403 ContentStreamNotAllowed');
    return `id-${sent.length}`;
  };
  return { sent, send };
}

const info = (activity: Partial<Activity> | undefined) =>
  (activity?.entities ?? []).find((e) => e.type === 'streaminfo') as Record<string, unknown> | undefined;

const replyTexts = { informative: 'Searching the documents…', tr: translatorFor(['en']) };

describe('a streamed Teams reply', () => {
  it('stops updating near the 2-minute limit and posts the answer on its own after it', async () => {
    let clock = 0;
    const { sent, send } = recorder();
    const reply = createStreamedReply({
      ...replyTexts,
      send,
      citations: true,
      logger,
      intervalMs: 0,
      now: () => clock,
    });
    await reply.append('Every employee ');
    await vi.waitFor(() => expect(sent).toHaveLength(2)); // the update went out
    clock = STREAM_LIMIT_MS - 5_000; // past the updates' limit, still inside the stream's
    await reply.append('gets 25 vacation days');
    clock = STREAM_LIMIT_MS + 1; // the stream is over: the answer comes as a message of its own
    await reply.finish(answer);
    const texts = sent.filter((a) => a.type === 'typing').map((a) => a.text);
    expect(texts).toEqual(['Searching the documents…', 'Every employee ']);
    const final = sent.at(-1)!;
    expect(final.type).toBe('message');
    expect(info(final)).toBeUndefined();
    expect(final.text).toBe(answer.text);
  });

  it('finishes the answer as a plain message when Teams refuses the stream', async () => {
    const { sent, send } = recorder((_n, activity) => info(activity)?.streamType === 'final');
    const reply = createStreamedReply({ ...replyTexts, send, citations: true, logger, intervalMs: 0 });
    await reply.append('Every employee gets');
    const id = await reply.finish(answer);
    const final = sent.at(-1)!;
    expect(info(sent.at(-2))).toMatchObject({ streamType: 'final', streamId: 'id-1' });
    expect(info(final)).toBeUndefined();
    expect(final).toMatchObject({
      type: 'message',
      text: answer.text,
      channelData: { feedbackLoopEnabled: true },
    });
    expect(id).toBe(`id-${sent.length}`);
  });
});
