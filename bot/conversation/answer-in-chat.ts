/**
 * The platform-neutral conversation flow: Slack and Teams adapters turn their events into an
 * `IncomingChatMessage` and implement `ChatPlatform`; everything between — dedupe, who is asking, what they
 * may search, rate limit, streaming the answer, failures — happens here, once.
 */
import type {
  Ask,
  AskResult,
  ChannelBindings,
  ChatAnswer,
  ChatAnswers,
  ChatIdentities,
  ChatLocation,
  ChatMessageRef,
  ChatPlatform,
  ChatReply,
  ChatUserRef,
  ChatWorkStage,
  Logger,
  Principal,
  ProcessedEvents,
  RetrievalScope,
} from '#core';
import { AVAILABLE_LOCALES, type Translator, translatorFor } from '#i18n';
import { createChatMembers } from './chat-members.ts';
import { friendlyMessage, languageOfQuestion, rateLimited } from './chat-messages.ts';
import type { RateLimiter } from './rate-limiter.ts';

export interface IncomingChatMessage {
  /** The platform's id of this delivery (Slack event_id, Teams activity id): retries carry the same id. */
  readonly eventId: string;
  /** Further ids of the same message (Slack: channel + ts, which both app_mention and message carry). */
  readonly dedupeKeys?: readonly string[];
  readonly location: ChatLocation;
  readonly user: ChatUserRef;
  /** The question, with the bot's mention already removed. */
  readonly text: string;
  /**
   * True when the message is for the bot (a mention, a DM, a command); false for a plain reply in a
   * channel thread, answered only in a thread the bot has answered and a channel whose reply mode is `all`.
   */
  readonly addressed: boolean;
  /** The platform's locale for the user when the event carries it (Teams' activity `locale`, "ko-KR"). */
  readonly locale?: string | undefined;
}

export type ChatOutcome =
  | 'answered'
  | 'duplicate'
  | 'ignored'
  | 'empty'
  | 'unbound'
  | 'rate_limited'
  | 'disabled'
  | 'failed';

export type ShareOutcome = 'shared' | 'not_allowed' | 'not_found';

export interface ChatConversationDeps {
  readonly ask: Ask;
  readonly identities: ChatIdentities;
  readonly bindings: ChannelBindings;
  readonly events: ProcessedEvents;
  readonly answers: ChatAnswers;
  readonly rateLimiter: RateLimiter;
  readonly logger: Logger;
  /** Replies' language when neither the question nor the platform's locale tells (DEFAULT_LOCALE). */
  readonly defaultLocale?: string;
  readonly onAnswered?: (result: AskResult, location: ChatLocation) => void;
}

export interface ChatConversation {
  /** Answers one message; never throws: every failure the asker should know of is shown to them. */
  handleMessage(platform: ChatPlatform, message: IncomingChatMessage): Promise<ChatOutcome>;
  /** Posts a private answer in `location` (a channel) if every one of its sources is bound to that channel. */
  shareAnswer(
    platform: ChatPlatform,
    request: { readonly messageId: string; readonly user: ChatUserRef; readonly location: ChatLocation },
  ): Promise<ShareOutcome>;
  /**
   * 👍/👎 on an answer by `user`, by ex-GPT's message id or the platform's id of the posted message: the
   * asker's, or in a channel any member's own (once each; see ChatAnswers.recordFeedback).
   */
  recordFeedback(
    platform: ChatPlatform,
    request: {
      readonly ref: ChatMessageRef;
      readonly user: ChatUserRef;
      readonly value: 'up' | 'down';
      readonly comment?: string | null;
    },
  ): Promise<boolean>;
}

/**
 * Lets the event loop read and acknowledge other requests between steps: the embedded database runs
 * queries on this thread without yielding, so a burst of questions would otherwise hold up every ack.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function createChatConversation(deps: ChatConversationDeps): ChatConversation {
  const members = createChatMembers({ identities: deps.identities });
  const log = deps.logger;
  const defaultLocale = deps.defaultLocale ?? 'en';

  /**
   * The catalogue to write in for this asker: the language of `text` (the question, or the answer being
   * shared) when it has a catalogue; else the platform's locale for the user, asked only then; else the default.
   */
  async function translatorOf(
    platform: ChatPlatform,
    user: ChatUserRef,
    text: string,
    given?: string,
  ): Promise<Translator> {
    const asked = languageOfQuestion(text);
    if (asked && AVAILABLE_LOCALES.includes(asked)) return translatorFor([asked]);
    let locale: string | null | undefined = given;
    if (!locale && platform.userLocale) {
      try {
        locale = await platform.userLocale(user);
      } catch (error) {
        log.debug({ err: error, platform: platform.platform }, 'chat user locale not known');
      }
    }
    return translatorFor([locale], defaultLocale);
  }

  /** The delivery's id and the message's other ids, in one statement: any seen before makes it a duplicate. */
  function claim(platform: ChatPlatform, message: IncomingChatMessage): Promise<boolean> {
    return deps.events.claimAll(platform.platform, [message.eventId, ...(message.dedupeKeys ?? [])]);
  }

  /** Notices are best effort: a failure to show one is logged, never thrown at the adapter. */
  async function notice(platform: ChatPlatform, message: IncomingChatMessage, text: string): Promise<void> {
    try {
      await platform.postNotice(message.location, message.user, text);
    } catch (error) {
      log.error({ err: error, platform: platform.platform }, 'chat notice could not be posted');
    }
  }

  async function status(platform: ChatPlatform, location: ChatLocation, stage: ChatWorkStage): Promise<void> {
    try {
      await platform.showStatus(location, stage);
    } catch (error) {
      log.debug({ err: error, platform: platform.platform }, 'chat status not shown');
    }
  }

  async function answer(
    platform: ChatPlatform,
    message: IncomingChatMessage,
    scope: RetrievalScope,
    principal: Principal,
    tr: Translator,
  ): Promise<ChatOutcome> {
    const location = { ...message.location, locale: tr.locale };
    let reply: ChatReply | null = null;
    try {
      await status(platform, location, 'searching');
      reply = platform.startReply(location, message.user);
      let result: AskResult | null = null;
      const events = deps.ask.stream({
        principal,
        question: message.text,
        conversation: {
          platform: location.platform,
          channelId: location.channelId,
          threadId: location.threadId,
        },
        scope,
      });
      for await (const event of events) {
        if (event.type === 'delta') await reply.append(event.text);
        else if (event.type === 'status') {
          await nextTurn();
          if (event.stage === 'answering') await status(platform, location, 'answering');
        } else result = event.result;
      }
      if (!result) throw new Error('the answer ended without a result');
      const chatAnswer: ChatAnswer = {
        messageId: result.messageId,
        text: result.answer,
        answered: result.answered,
        sources: result.sources,
        shareable: location.place === 'private' && result.answered && result.sources.length > 0,
      };
      const posted = await reply.finish(chatAnswer);
      // The answer is out: what follows must not turn it into a failure message.
      try {
        if (posted) {
          await deps.answers.attachPlatformMessage(result.messageId, posted, location.place === 'channel');
        }
        deps.onAnswered?.(result, location);
      } catch (error) {
        log.error(
          { err: error, messageId: result.messageId },
          'chat answer posted, but not linked to its message',
        );
      }
      return 'answered';
    } catch (error) {
      log.error({ err: error, platform: platform.platform, eventId: message.eventId }, 'chat answer failed');
      const text = friendlyMessage(tr, error);
      try {
        if (reply) await reply.fail(text);
        else await platform.postNotice(location, message.user, text);
      } catch (shown) {
        log.error({ err: shown, platform: platform.platform }, 'chat failure message could not be posted');
        if (reply) await notice(platform, { ...message, location }, text);
      }
      return 'failed';
    }
  }

  return {
    async handleMessage(platform, incoming) {
      let message = incoming;
      const { location } = message;
      let tr: Translator | null = null;
      try {
        let binding = null;
        if (!message.addressed) {
          // An unaddressed reply: only in a thread the bot answered, in a channel set to answer those.
          if (location.threadId === null) return 'ignored';
          if (location.place === 'channel') {
            binding = await deps.bindings.find(location);
            if (binding?.replyMode !== 'all') return 'ignored';
          }
          const key = {
            platform: location.platform,
            channelId: location.channelId,
            threadId: location.threadId,
          };
          if (!(await deps.answers.hasAnswered(key))) return 'ignored';
        }
        if (!(await claim(platform, message))) return 'duplicate';
        await nextTurn();
        tr = await translatorOf(platform, message.user, message.text, message.locale);
        message = { ...message, location: { ...location, locale: tr.locale } };

        if (message.text.trim() === '') {
          await notice(platform, message, tr.t('chat.hint.emptyQuestion'));
          return 'empty';
        }
        if (location.place === 'channel') {
          binding ??= await deps.bindings.find(location);
          if (!binding) {
            await notice(platform, message, tr.t('chat.hint.unboundChannel'));
            return 'unbound';
          }
        }
        const userKey = `${message.user.platform}:${message.user.workspaceId}:${message.user.userId}`;
        const allowed = await deps.rateLimiter.take(userKey);
        if (!allowed.allowed) {
          await notice(platform, message, rateLimited(tr, allowed.retryAfterMs));
          return 'rate_limited';
        }
        const member = await members.resolve(platform, message.user);
        if (member === 'bot') return 'ignored';
        await nextTurn();
        if (member.disabled) {
          await notice(platform, message, tr.t('chat.disabledAccount'));
          return 'disabled';
        }
        const scope: RetrievalScope = binding
          ? { userId: member.principal.userId, collectionIds: binding.collectionIds }
          : { userId: member.principal.userId };
        return await answer(platform, message, scope, member.principal, tr);
      } catch (error) {
        // Before the answer started (the database, the user lookup): still tell the asker.
        log.error(
          { err: error, platform: platform.platform, eventId: message.eventId },
          'chat message failed',
        );
        tr ??= translatorFor([languageOfQuestion(message.text), message.locale], defaultLocale);
        await notice(platform, message, friendlyMessage(tr, error));
        return 'failed';
      }
    },

    async shareAnswer(platform, request) {
      const stored = await deps.answers.find({ messageId: request.messageId });
      const member = await members.resolve(platform, request.user);
      // The sharer asked in the answer's language, which the answer follows.
      const tr = await translatorOf(platform, request.user, stored?.text ?? '');
      const location = { ...request.location, locale: tr.locale };
      const notify = (text: string) =>
        platform.postNotice(location, request.user, text).catch((error: unknown) => {
          log.error({ err: error }, 'chat notice could not be posted');
        });
      if (!stored || member === 'bot') {
        await notify(tr.t('chat.share.notFound'));
        return 'not_found';
      }
      const binding =
        request.location.place === 'channel' ? await deps.bindings.find(request.location) : null;
      const bound = new Set(binding?.collectionIds ?? []);
      const allowed =
        stored.userId === member.principal.userId &&
        stored.answered &&
        stored.sources.length > 0 &&
        stored.sources.every((s) => s.collectionId !== null && bound.has(s.collectionId));
      if (!allowed) {
        await notify(tr.t('chat.share.notAllowed'));
        return 'not_allowed';
      }
      const posted = await platform.postAnswer(location, {
        messageId: stored.messageId,
        text: stored.text,
        answered: stored.answered,
        sources: stored.sources,
        shareable: false,
      });
      if (posted) {
        await deps.answers.attachPlatformMessage(stored.messageId, posted, location.place === 'channel');
      }
      return 'shared';
    },

    async recordFeedback(platform, request) {
      // A channel member ex-GPT has not met yet rates as themselves: mapped like an asker would be.
      // (Someone unknown cannot be the asker, so a DM or private answer still refuses them.)
      let rater: Awaited<ReturnType<typeof members.resolve>>;
      try {
        rater = await members.resolve(platform, request.user);
      } catch (error) {
        log.warn({ err: error, platform: platform.platform }, 'chat rater could not be looked up');
        return false;
      }
      if (rater === 'bot' || rater.disabled) return false;
      return deps.answers.recordFeedback(request.ref, {
        value: request.value,
        comment: request.comment ?? null,
        raterId: rater.principal.userId,
      });
    },
  };
}
