/** Slack as a ChatPlatform: the Web API calls behind the shared conversation flow. */
import type { webApi } from '@slack/bolt';
import type {
  ChatAnswer,
  ChatLocation,
  ChatPlatform,
  ChatUserProfile,
  ChatUserRef,
  ChatWorkStage,
  Logger,
} from '#core';
import { type MessageKey, translatorFor } from '#i18n';
import { answerMessages } from './slack-blocks.ts';
import { createEphemeralReply, createStreamedReply, postEphemeral, type StreamPacer } from './slack-reply.ts';

const STATUS_TEXT: Record<ChatWorkStage, MessageKey> = {
  searching: 'chat.status.searching',
  answering: 'chat.status.answering',
};

/** Locales users.info told, by workspace and user: a user's language rarely changes within a process's life. */
const LOCALE_CACHE_SIZE = 10_000;

export interface SlackPlatformOptions {
  readonly client: webApi.WebClient;
  readonly pacer: StreamPacer;
  readonly logger: Logger;
  /** A slash command's response_url: private replies fall back to it when the bot is not in the channel. */
  readonly responseUrl?: string;
}

export interface SlackPlatform extends ChatPlatform {
  /** The same platform, for one slash command whose private replies may use its response_url. */
  withResponseUrl(responseUrl: string): SlackPlatform;
}

export function createSlackPlatform(options: SlackPlatformOptions): SlackPlatform {
  const { client } = options;
  const ephemeral = (location: ChatLocation, asker: ChatUserRef) => ({
    client,
    location,
    asker,
    responseUrl: options.responseUrl,
  });

  const locales = new Map<string, string | null>();

  return {
    platform: 'slack',

    withResponseUrl(responseUrl) {
      return createSlackPlatform({ ...options, responseUrl });
    },

    async lookupUser(user: ChatUserRef): Promise<ChatUserProfile> {
      const response = await client.users.info({ user: user.userId });
      const info = response.user;
      const profile = info?.profile;
      return {
        ref: user,
        email: profile?.email?.trim() || null,
        displayName: profile?.real_name || profile?.display_name || info?.real_name || info?.name || null,
        isBot: Boolean(info?.is_bot) || user.userId === 'USLACKBOT',
      };
    },

    async showStatus(location, stage) {
      // Slack shows a status only in assistant threads (DMs with the app); elsewhere the stream says enough.
      if (location.place !== 'direct' || !location.threadId) return;
      await client.assistant.threads.setStatus({
        channel_id: location.channelId,
        thread_ts: location.threadId,
        status: translatorFor([location.locale]).t(STATUS_TEXT[stage]),
      });
    },

    startReply(location, asker) {
      if (location.place === 'private') return createEphemeralReply(ephemeral(location, asker));
      return createStreamedReply({ client, location, asker, pacer: options.pacer, logger: options.logger });
    },

    async postNotice(location, asker, text) {
      if (location.place === 'direct') {
        await client.chat.postMessage({
          channel: location.channelId,
          ...(location.threadId ? { thread_ts: location.threadId } : {}),
          text,
        });
        return;
      }
      await postEphemeral(ephemeral(location, asker), { text });
    },

    async userLocale(user: ChatUserRef): Promise<string | null> {
      const key = `${user.workspaceId}:${user.userId}`;
      if (locales.has(key)) return locales.get(key) ?? null;
      // Slack includes the user's locale ("ko-KR") only when asked for it.
      const response = await client.users.info({ user: user.userId, include_locale: true });
      const locale = response.user?.locale ?? null;
      if (locales.size >= LOCALE_CACHE_SIZE) locales.delete(locales.keys().next().value!);
      locales.set(key, locale);
      return locale;
    },

    async postAnswer(location: ChatLocation, answer: ChatAnswer) {
      let posted: string | null = null;
      const tr = translatorFor([location.locale]);
      for (const message of answerMessages(answer, { share: false, tr })) {
        const response = await client.chat.postMessage({
          channel: location.channelId,
          ...(location.threadId ? { thread_ts: location.threadId } : {}),
          text: message.text,
          blocks: message.blocks,
          unfurl_links: false,
        });
        posted = response.ts ?? posted;
      }
      return posted;
    },
  };
}
