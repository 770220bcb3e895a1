/** Teams as a ChatPlatform: the connector calls behind the shared conversation flow. */
import type { ChatAnswer, ChatLocation, ChatPlatform, ChatUserProfile, ChatUserRef, Logger } from '#core';
import { translatorFor } from '#i18n';
import { isBotId } from './teams-activity.ts';
import type { TeamsConnector } from './teams-connector.ts';
import { answerActivity, textActivity } from './teams-message.ts';
import { createPostedReply, createStreamedReply } from './teams-reply.ts';

export interface TeamsPlatformOptions {
  readonly connector: TeamsConnector;
  /** Pause between streamed updates in personal chats. */
  readonly streamIntervalMs: number;
  /** Whether the conversation's client shows Teams AI citations (Teams does; the Emulator and Web Chat do not). */
  readonly citations?: (location: ChatLocation) => boolean;
  readonly logger: Logger;
}

export function createTeamsPlatform(options: TeamsPlatformOptions): ChatPlatform {
  const { connector, logger } = options;
  const citations = options.citations ?? (() => true);
  const sender = (location: ChatLocation) => (activity: Parameters<TeamsConnector['send']>[1]) =>
    connector.send(location, activity);

  return {
    platform: 'teams',

    async lookupUser(user: ChatUserRef): Promise<ChatUserProfile> {
      if (isBotId(user.userId)) return { ref: user, email: null, displayName: null, isBot: true };
      const member = await connector.member(user);
      return { ref: user, email: member?.email ?? null, displayName: member?.name ?? null, isBot: false };
    },

    async showStatus(location) {
      // A personal chat's stream opens with its own informative update; elsewhere "typing…" says it.
      if (location.place === 'direct') return;
      await connector.send(location, { type: 'typing' });
    },

    startReply(location) {
      const tr = translatorFor([location.locale]);
      const reply = {
        send: sender(location),
        citations: citations(location),
        tr,
        logger,
      };
      if (location.place === 'direct') {
        return createStreamedReply({
          ...reply,
          intervalMs: options.streamIntervalMs,
          informative: tr.t('chat.status.searchingAlone'),
        });
      }
      return createPostedReply(reply);
    },

    async postNotice(location, _asker, text) {
      // Teams has no message for one person in a shared conversation: the notice goes in the thread.
      await connector.send(location, textActivity(text));
    },

    postAnswer(location: ChatLocation, answer: ChatAnswer) {
      const tr = translatorFor([location.locale]);
      return connector.send(location, answerActivity(answer, { citations: citations(location), tr }));
    },
  };
}
