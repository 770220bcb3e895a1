/**
 * Replies in Teams. Personal chats stream with Teams' streaming protocol: an informative `typing` update
 * at once (its id becomes the stream's id), then `typing` updates that each carry the whole text so far
 * with a rising `streamSequence`, one after another at `intervalMs` (Microsoft asks for about 1.5–2 s),
 * and a final `message` with the stream's id. A stream must end within 2 minutes: past `maxStreamMs` no
 * more updates go out, and the final message still does. Channels and group chats get the final message only.
 */
import type { Activity } from 'botbuilder';
import type { ChatAnswer, ChatReply, Logger } from '#core';
import type { Translator } from '#i18n';
import { answerActivity, streamUpdate, textActivity } from './teams-message.ts';

export type SendActivity = (activity: Partial<Activity>) => Promise<string | null>;

export interface TeamsReplyOptions {
  readonly send: SendActivity;
  /** Citations as Teams AI citations (false: an Adaptive Card with the sources). */
  readonly citations: boolean;
  /** The asker's language, for that card's heading and the sources' pages. */
  readonly tr: Translator;
  readonly logger: Logger;
}

export interface StreamedReplyOptions extends TeamsReplyOptions {
  readonly intervalMs: number;
  /** Teams drops a stream after 2 minutes; stop updating a little before. */
  readonly maxStreamMs?: number;
  /** The informative update shown while the documents are searched (in the asker's language). */
  readonly informative: string;
  readonly now?: () => number;
}

export const STREAM_LIMIT_MS = 120_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function failureText(received: string, message: string): string {
  return received.trim() === '' ? message : `${received.trimEnd()}\n\n_${message}_`;
}

export function createStreamedReply(options: StreamedReplyOptions): ChatReply {
  const { send, logger } = options;
  const now = options.now ?? (() => performance.now());
  const maxStreamMs = options.maxStreamMs ?? STREAM_LIMIT_MS - 10_000;
  const startedAt = now();
  let streamId: string | null = null;
  let sequence = 0;
  let received = '';
  let sent = '';
  let lastSent = Number.NEGATIVE_INFINITY;
  let stepQueued = false;
  let ended = false;
  let broken = false;

  const pace = async () => {
    const wait = lastSent + options.intervalMs - now();
    if (wait > 0) await sleep(wait);
  };

  async function update(activity: Partial<Activity>): Promise<void> {
    try {
      const id = await send(activity);
      streamId ??= id;
      if (!streamId) broken = true; // Teams names the stream in its answer to the first update
    } catch (error) {
      broken = true;
      logger.warn({ err: error }, 'teams stream update failed: the answer comes as one message');
    } finally {
      lastSent = now();
    }
  }

  sequence += 1;
  let chain: Promise<void> = update(
    streamUpdate(options.informative, {
      streamType: 'informative',
      streamSequence: sequence,
      streamId: null,
    }),
  );

  function step(): Promise<void> {
    return (async () => {
      await pace();
      stepQueued = false;
      if (ended || broken || received === sent || now() - startedAt > maxStreamMs) return;
      sequence += 1;
      const text = received;
      await update(streamUpdate(text, { streamType: 'streaming', streamSequence: sequence, streamId }));
      sent = text;
    })();
  }

  /** The final message: with the stream's id while the stream lives, else as a message of its own. */
  async function end(activity: (streamId: string | null) => Partial<Activity>): Promise<string | null> {
    ended = true;
    await chain;
    await pace();
    const live = streamId !== null && now() - startedAt < STREAM_LIMIT_MS;
    if (live) {
      try {
        return (await send(activity(streamId))) ?? streamId;
      } catch (error) {
        logger.warn({ err: error }, 'teams stream could not be ended: posting the answer on its own');
      }
    }
    return send(activity(null));
  }

  return {
    async append(text) {
      received += text;
      if (stepQueued || ended) return;
      stepQueued = true;
      chain = chain.then(step);
    },
    finish(answer: ChatAnswer) {
      return end((id) =>
        answerActivity(answer, {
          citations: options.citations,
          tr: options.tr,
          streamId: id,
        }),
      );
    },
    async fail(message) {
      await end((id) => textActivity(failureText(received, message), id));
    },
  };
}

/** A reply posted once, when the answer is complete (channels, group chats). */
export function createPostedReply(options: TeamsReplyOptions): ChatReply {
  let received = '';
  return {
    async append(text) {
      received += text;
    },
    finish(answer) {
      return options.send(answerActivity(answer, { citations: options.citations, tr: options.tr }));
    },
    async fail(message) {
      await options.send(textActivity(failureText(received, message)));
    },
  };
}
