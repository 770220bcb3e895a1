/**
 * Replies on Slack. In channels and DMs the answer streams into one threaded message with
 * chat.startStream / appendStream / stopStream; ephemeral replies (`/ask`) cannot stream and are posted
 * once. Appends are batched: the first text goes out at once, later text at most every `interval`
 * (longer while many answers stream at the same time, to stay within appendStream's rate tier).
 */
import type { webApi } from '@slack/bolt';
import type { ChatAnswer, ChatLocation, ChatReply, ChatUserRef, Logger } from '#core';
import { translatorFor } from '#i18n';
import { answerMessages, streamEndBlocks } from './slack-blocks.ts';
import { SLACK_LIMITS, splitExact } from './slack-text.ts';

type WebClient = webApi.WebClient;

/** Shares Slack's appendStream budget between the answers streaming at the same time. */
export interface StreamPacer {
  /** How long to wait between two appends of one stream now. */
  interval(): number;
  begin(): void;
  end(): void;
}

export function createStreamPacer(
  options: { minIntervalMs?: number; perStreamMs?: number; maxIntervalMs?: number } = {},
): StreamPacer {
  const min = options.minIntervalMs ?? 400;
  const perStream = options.perStreamMs ?? 600;
  const max = options.maxIntervalMs ?? 3000;
  let active = 0;
  return {
    interval: () => Math.min(max, Math.max(min, active * perStream)),
    begin: () => {
      active += 1;
    },
    end: () => {
      active = Math.max(0, active - 1);
    },
  };
}

export interface StreamedReplyOptions {
  readonly client: WebClient;
  readonly location: ChatLocation;
  readonly asker: ChatUserRef;
  readonly pacer: StreamPacer;
  readonly logger: Logger;
  /** Characters streamed into one message before continuing in the next (Slack keeps 40,000). */
  readonly maxMessageChars?: number;
}

export function createStreamedReply(options: StreamedReplyOptions): ChatReply {
  const { client, location, pacer } = options;
  // Slack streams replies only: every streamed answer is in a thread (the asker's, or under their message).
  if (location.threadId === null) throw new Error('a streamed Slack reply needs a thread');
  const thread: string = location.threadId;
  const maxMessageChars = options.maxMessageChars ?? SLACK_LIMITS.messageText - 4_000;
  let ts: string | null = null;
  let inMessage = 0; // characters in the current streamed message
  let received = ''; // every appended character, sent or not
  let pending = ''; // appended but not yet sent
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  let timer: NodeJS.Timeout | null = null;
  let lastSent = 0;
  pacer.begin();
  let ended = false;
  const end = () => {
    if (!ended) pacer.end();
    ended = true;
    if (timer) clearTimeout(timer);
    timer = null;
  };

  async function start(markdown: string): Promise<void> {
    const response = await client.chat.startStream({
      channel: location.channelId,
      thread_ts: thread,
      ...(location.place === 'channel'
        ? { recipient_user_id: options.asker.userId, recipient_team_id: options.asker.workspaceId }
        : {}),
      ...(markdown ? { markdown_text: markdown } : {}),
    });
    if (!response.ts) throw new Error('chat.startStream returned no ts');
    ts = response.ts;
    inMessage = markdown.length;
  }

  /** Sends `text` in ≤12,000-character calls, continuing in a new message when this one is full. */
  async function send(text: string): Promise<void> {
    for (const piece of splitExact(text, SLACK_LIMITS.streamMarkdown)) {
      if (ts === null) await start(piece);
      else if (inMessage + piece.length > maxMessageChars) {
        await client.chat.stopStream({ channel: location.channelId, ts });
        await start(piece);
      } else {
        await client.chat.appendStream({ channel: location.channelId, ts, markdown_text: piece });
        inMessage += piece.length;
      }
    }
    lastSent = Date.now();
  }

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = null;
    const text = pending;
    pending = '';
    if (text === '') return;
    chain = chain.then(async () => {
      if (failure) return;
      try {
        await send(text);
      } catch (error) {
        failure = error;
      }
    });
  }

  return {
    async append(text) {
      received += text;
      pending += text;
      if (ts === null && lastSent === 0) {
        lastSent = Date.now(); // the first text starts the stream at once
        flush();
        return;
      }
      if (!timer) timer = setTimeout(flush, Math.max(0, lastSent + pacer.interval() - Date.now()));
    },

    async finish(answer: ChatAnswer) {
      try {
        if (timer) clearTimeout(timer);
        timer = null;
        // The stored answer is the truth; streamed deltas normally spell it exactly.
        if (answer.text.startsWith(received)) pending += answer.text.slice(received.length);
        else if (received === '') pending = answer.text;
        const rest = pending;
        pending = '';
        await chain;
        if (failure) throw failure;
        await send(rest);
        if (ts === null) await start('');
        const stopped: string = ts!;
        await client.chat.stopStream({
          channel: location.channelId,
          ts: stopped,
          blocks: streamEndBlocks(answer, translatorFor([location.locale])),
        });
        return stopped;
      } finally {
        end();
      }
    },

    async fail(message) {
      end();
      const unsent = pending; // what the answerer wrote before failing is still shown
      pending = '';
      await chain;
      const note = `${received.trim() === '' ? '' : '\n\n'}_${message}_`;
      if (ts !== null && !failure) {
        try {
          await send(unsent);
          await client.chat.stopStream({ channel: location.channelId, ts, markdown_text: note });
          return;
        } catch (error) {
          options.logger.warn({ err: error }, 'slack stream could not be ended with the failure note');
        }
      }
      await client.chat.postMessage({ channel: location.channelId, thread_ts: thread, text: message });
    },
  };
}

export interface EphemeralReplyOptions {
  readonly client: WebClient;
  readonly location: ChatLocation;
  readonly asker: ChatUserRef;
  /** Where Slack accepts a reply when the bot is not in the channel (a slash command's response_url). */
  readonly responseUrl?: string | undefined;
  readonly fetch?: typeof fetch;
}

/** Posts `text`/`blocks` for the asker alone: chat.postEphemeral, else the command's response_url. */
export async function postEphemeral(
  options: EphemeralReplyOptions,
  message: { text: string; blocks?: unknown[] },
): Promise<string | null> {
  const { client, location, asker } = options;
  try {
    const response = await client.chat.postEphemeral({
      channel: location.channelId,
      user: asker.userId,
      ...(location.threadId ? { thread_ts: location.threadId } : {}),
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks as never } : {}),
    });
    return response.message_ts ?? null;
  } catch (error) {
    // The bot is not in this channel: a slash command's response_url still reaches the asker.
    const code = (error as { data?: { error?: string } }).data?.error;
    if (!options.responseUrl || (code !== 'channel_not_found' && code !== 'not_in_channel')) throw error;
    const response = await (options.fetch ?? fetch)(options.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...message }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`response_url answered ${response.status}`);
    return null;
  }
}

/** An ephemeral reply: gathered while the answer is written, posted once with its buttons. */
export function createEphemeralReply(options: EphemeralReplyOptions): ChatReply {
  let received = '';
  return {
    async append(text) {
      received += text;
    },
    async finish(answer) {
      let posted: string | null = null;
      const text = answer.text || received;
      // Sharing is for channels: a private answer in a DM with the bot has nowhere else to go.
      const share = answer.shareable && !options.location.channelId.startsWith('D');
      const tr = translatorFor([options.location.locale]);
      for (const message of answerMessages({ ...answer, text }, { share, tr })) {
        posted = await postEphemeral(options, message);
      }
      return posted;
    },
    async fail(message) {
      await postEphemeral(options, { text: message });
    },
  };
}
