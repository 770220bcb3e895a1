/**
 * What the bot does with each activity Teams sends. Messages are acknowledged first and answered
 * afterwards (`schedule`); invokes are answered before the response, because Teams waits for it.
 * - message: personal chats always, channels and group chats when the bot is @mentioned;
 * - conversationUpdate (the bot added) and installationUpdate (`add`): one welcome per conversation;
 * - invoke `message/submitAction`: 👍/👎 with an optional comment from Teams' feedback buttons;
 * - messageReaction on an answer: 👍 (like, heart) or 👎 (sad, angry).
 */
import type { Activity } from 'botbuilder';
import type { ChatPlatform, Logger, ProcessedEvents } from '#core';
import { type Translator, translatorFor } from '#i18n';
import type { ChatConversation, IncomingChatMessage } from '../conversation/index.ts';
import {
  isBotId,
  locationOf,
  mentionsBot,
  questionOf,
  splitConversationId,
  userOf,
} from './teams-activity.ts';
import type { TeamsConnector } from './teams-connector.ts';
import { textActivity } from './teams-message.ts';

export interface TeamsTurnDeps {
  readonly conversation: ChatConversation;
  readonly platform: ChatPlatform;
  readonly connector: TeamsConnector;
  readonly events: ProcessedEvents;
  readonly logger: Logger;
  /** Runs work after the activity has been acknowledged; it must not throw. */
  readonly schedule: (work: () => Promise<void>) => void;
  /** The language when an activity carries no `locale` (DEFAULT_LOCALE). */
  readonly defaultLocale?: string;
}

/** What an invoke is answered with: the HTTP status and body Teams receives. */
export interface InvokeResponse {
  readonly status: number;
  readonly body?: unknown;
}

export type FeedbackValue = { readonly value: 'up' | 'down'; readonly comment: string | null };

/**
 * The feedback of a `message/submitAction` invoke. Microsoft documents `actionValue.feedback` as a
 * string, and real Teams clients send it JSON-encoded (`{"feedbackText":"…"}`): both are read.
 */
export function feedbackOf(value: unknown): FeedbackValue | null {
  const v = value as { actionName?: unknown; actionValue?: unknown } | null;
  if (v?.actionName !== 'feedback') return null;
  let action: unknown = v.actionValue;
  if (typeof action === 'string') action = parseJson(action);
  const a = action as { reaction?: unknown; feedback?: unknown } | null;
  const reaction = a?.reaction;
  if (reaction !== 'like' && reaction !== 'dislike') return null;
  return { value: reaction === 'like' ? 'up' : 'down', comment: commentOf(a?.feedback) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function commentOf(feedback: unknown): string | null {
  let given = feedback;
  if (typeof given === 'string') {
    const trimmed = given.trim();
    if (trimmed.startsWith('{')) {
      const parsed = parseJson(trimmed);
      if (parsed !== null) given = parsed;
    }
  }
  if (given !== null && typeof given === 'object') {
    const o = given as { feedbackText?: unknown; text?: unknown; comment?: unknown };
    given = o.feedbackText ?? o.text ?? o.comment ?? '';
  }
  if (typeof given !== 'string') return null;
  const text = given.trim().slice(0, 4000);
  return text === '' ? null : text;
}

const REACTIONS: Record<string, 'up' | 'down'> = { like: 'up', heart: 'up', sad: 'down', angry: 'down' };

/**
 * Handles one authenticated activity: an invoke's response is returned; everything else is scheduled
 * (answers go out proactively) and the promise resolves at once, so that the 200 is not held up.
 */
export function createTeamsActivityHandler(
  deps: TeamsTurnDeps,
): (activity: Activity) => Promise<InvokeResponse | undefined> {
  const { conversation, platform, connector, events, logger } = deps;
  /** Teams sends the user's client language on every activity ("ko-KR"). */
  const translatorOf = (activity: Partial<Activity>): Translator =>
    translatorFor([activity.locale], deps.defaultLocale ?? 'en');

  function toMessage(activity: Partial<Activity>): IncomingChatMessage | null {
    const user = userOf(activity);
    if (!user || isBotId(activity.from?.id ?? '')) return null;
    const location = locationOf(activity);
    return {
      eventId: `${location.channelId}:${activity.id ?? ''}`,
      location,
      user,
      text: questionOf(activity),
      addressed: location.place === 'direct' || mentionsBot(activity),
      locale: activity.locale,
    };
  }

  async function welcome(activity: Partial<Activity>): Promise<void> {
    const location = { ...locationOf(activity), threadId: null };
    if (!(await events.claim('teams', `welcome:${location.channelId}`))) return;
    await connector.send(location, textActivity(translatorOf(activity).t('chat.teams.welcome')));
  }

  function remember(activity: Partial<Activity>): Promise<void> {
    return connector.remember(activity, userOf(activity));
  }

  async function onInvoke(activity: Partial<Activity>): Promise<InvokeResponse> {
    if (activity.name === 'message/submitAction') {
      const feedback = feedbackOf(activity.value);
      const rater = userOf(activity);
      if (feedback && activity.replyToId && rater) {
        // A channel member may rate before ever asking: where they wrote lets Teams tell who they are.
        await remember(activity);
        const stored = await conversation.recordFeedback(platform, {
          ref: { platformMessageId: activity.replyToId },
          user: rater,
          ...feedback,
        });
        if (!stored) logger.info({ replyToId: activity.replyToId }, 'teams feedback for an unknown message');
      }
      // Teams wants an empty 200: any body makes it show an error to the person.
      return { status: 200 };
    }
    if (activity.name === 'adaptiveCard/action') {
      return {
        status: 200,
        body: {
          statusCode: 200,
          type: 'application/vnd.microsoft.activity.message',
          value: translatorOf(activity).t('chat.feedback.cardThanks'),
        },
      };
    }
    return { status: 501 };
  }

  return async (activity) => {
    switch (activity.type) {
      case 'message': {
        const message = toMessage(activity);
        if (!message) return undefined;
        deps.schedule(async () => {
          await remember(activity);
          const outcome = await conversation.handleMessage(platform, message);
          logger.debug({ eventId: message.eventId, outcome }, 'teams message handled');
        });
        return undefined;
      }
      case 'conversationUpdate':
      case 'installationUpdate': {
        const personal = locationOf(activity).place === 'direct';
        // In a personal chat the only bot that can be added is this one (Microsoft's example names it
        // with another id than the recipient's).
        const botAdded =
          activity.type === 'installationUpdate'
            ? activity.action === 'add'
            : (activity.membersAdded ?? []).some(
                (m) => m.id === activity.recipient?.id || (personal && isBotId(m.id)),
              );
        deps.schedule(async () => {
          await remember(activity);
          if (botAdded) await welcome(activity);
        });
        return undefined;
      }
      case 'invoke':
        return onInvoke(activity);
      case 'messageReaction': {
        const replyToId = activity.replyToId;
        const reaction = (activity.reactionsAdded ?? []).map((r) => REACTIONS[r.type ?? '']).find(Boolean);
        const rater = userOf(activity);
        if (!replyToId || !reaction || !rater) return undefined;
        deps.schedule(async () => {
          await remember(activity);
          await conversation.recordFeedback(platform, {
            ref: { platformMessageId: replyToId },
            user: rater,
            value: reaction,
          });
        });
        return undefined;
      }
      default:
        logger.debug(
          { type: activity.type, conversation: splitConversationId(activity.conversation?.id ?? '').base },
          'teams activity ignored',
        );
        return undefined;
    }
  };
}
