/**
 * What the Slack app listens to, and how each event becomes an IncomingChatMessage for the shared flow:
 * mentions in channels, DMs and assistant threads, thread follow-ups, `/ask`, the answer's buttons and
 * the "not helpful" modal. Messages from bots (itself included), edits, joins and other subtypes are ignored.
 */
import type { App } from '@slack/bolt';
import type { ChatLocation, ChatUserRef, Logger, SuggestedPrompt } from '#core';
import { type Translator, translatorFor } from '#i18n';
import type { ChatConversation, IncomingChatMessage } from '../conversation/index.ts';
import {
  ACTION_FEEDBACK_DOWN,
  ACTION_FEEDBACK_UP,
  ACTION_SHARE,
  FEEDBACK_COMMENT_ACTION,
  FEEDBACK_COMMENT_BLOCK,
  FEEDBACK_MODAL,
  feedbackModal,
} from './slack-blocks.ts';
import type { SlackPlatform } from './slack-platform.ts';
import { questionFromSlackText } from './slack-text.ts';

export interface SlackListenerDeps {
  readonly conversation: ChatConversation;
  readonly platform: SlackPlatform;
  readonly logger: Logger;
  /** The assistant's suggested prompts in a language (the admins' setting, else the catalogue's). */
  readonly suggestedPrompts?: (locale: string) => Promise<readonly SuggestedPrompt[]>;
  /** DEFAULT_LOCALE: the language when Slack does not tell the user's. */
  readonly defaultLocale?: string;
}

/** The catalogue's suggested prompts, used until an admin sets the language's own in the console. */
export function defaultSuggestedPrompts(tr: Translator): SuggestedPrompt[] {
  return [
    { title: tr.t('chat.prompt.vacation.title'), message: tr.t('chat.prompt.vacation.message') },
    { title: tr.t('chat.prompt.expenses.title'), message: tr.t('chat.prompt.expenses.message') },
    { title: tr.t('chat.prompt.it.title'), message: tr.t('chat.prompt.it.message') },
  ];
}

/** Message subtypes that are still a person writing: anything else (edits, joins, bots…) is ignored. */
const PERSON_SUBTYPES = new Set([undefined, 'thread_broadcast', 'file_share']);

/** The fields of a message or app_mention event this adapter reads. */
interface SlackMessageEvent {
  readonly type: string;
  readonly subtype?: string;
  readonly user?: string;
  readonly user_team?: string;
  readonly team?: string;
  readonly bot_id?: string;
  readonly bot_profile?: unknown;
  readonly text?: string;
  readonly ts: string;
  readonly thread_ts?: string;
  readonly channel: string;
  readonly channel_type?: string;
}

interface EventEnvelope {
  readonly event_id?: string;
  readonly team_id?: string;
}

export function registerSlackListeners(app: App, deps: SlackListenerDeps): void {
  const { conversation, platform, logger } = deps;

  /** The user's language from Slack (users.info locale) for replies that have no question to go by. */
  async function translatorOfUser(user: ChatUserRef, withinMs = 2000): Promise<Translator> {
    let locale: string | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Slack wants acks and views.open within 3 seconds: a slow users.info must not cost the reply.
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), withinMs);
    });
    try {
      locale = (await Promise.race([platform.userLocale?.(user) ?? null, late])) ?? null;
    } catch (error) {
      logger.debug({ err: error }, 'slack user locale not known');
    } finally {
      clearTimeout(timer);
    }
    return translatorFor([locale], deps.defaultLocale ?? 'en');
  }

  const fromPerson = (
    event: SlackMessageEvent,
    botUserId: string | undefined,
  ): event is SlackMessageEvent & { user: string } =>
    typeof event.user === 'string' &&
    event.user !== botUserId &&
    event.bot_id === undefined &&
    event.bot_profile === undefined &&
    PERSON_SUBTYPES.has(event.subtype);

  function toMessage(
    envelope: EventEnvelope,
    event: SlackMessageEvent & { user: string },
    botUserId: string | undefined,
    addressed: boolean,
  ): IncomingChatMessage {
    const workspaceId = envelope.team_id ?? event.team ?? '';
    const direct = event.channel_type === 'im' || event.channel.startsWith('D');
    const location: ChatLocation = {
      platform: 'slack',
      workspaceId,
      channelId: event.channel,
      // Replies go in a thread: the asker's thread, or a new one under their message.
      threadId: event.thread_ts ?? event.ts,
      place: direct ? 'direct' : 'channel',
    };
    return {
      eventId: envelope.event_id ?? `${event.channel}:${event.ts}`,
      dedupeKeys: [`message:${event.channel}:${event.ts}`],
      location,
      user: { platform: 'slack', workspaceId: event.user_team ?? workspaceId, userId: event.user },
      text: questionFromSlackText(event.text ?? '', botUserId),
      addressed,
    };
  }

  async function run(message: IncomingChatMessage, via: SlackPlatform = platform): Promise<void> {
    const outcome = await conversation.handleMessage(via, message);
    logger.debug({ eventId: message.eventId, outcome }, 'slack message handled');
  }

  app.event('app_mention', async ({ event, body, context }) => {
    const e = event as unknown as SlackMessageEvent;
    if (!fromPerson(e, context.botUserId)) return;
    await run(toMessage(body as EventEnvelope, e, context.botUserId, true));
  });

  app.event('message', async ({ event, body, context }) => {
    const e = event as unknown as SlackMessageEvent;
    if (!fromPerson(e, context.botUserId)) return;
    const direct = e.channel_type === 'im';
    if (!direct) {
      // A mention arrives as app_mention too, which answers it; here only plain replies in threads count.
      if (context.botUserId && (e.text ?? '').includes(`<@${context.botUserId}`)) return;
      if (!e.thread_ts || e.thread_ts === e.ts) return;
    }
    await run(toMessage(body as EventEnvelope, e, context.botUserId, direct));
  });

  app.event('assistant_thread_started', async ({ event, body, client }) => {
    const thread = (
      event as unknown as { assistant_thread: { channel_id: string; thread_ts: string; user_id?: string } }
    ).assistant_thread;
    const workspaceId = (body as EventEnvelope).team_id ?? '';
    const tr = thread.user_id
      ? await translatorOfUser({ platform: 'slack', workspaceId, userId: thread.user_id })
      : translatorFor([], deps.defaultLocale ?? 'en');
    let prompts: readonly SuggestedPrompt[] = [];
    try {
      prompts = (await deps.suggestedPrompts?.(tr.locale)) ?? [];
    } catch (error) {
      logger.warn({ err: error }, 'suggested prompts could not be read: the catalogue’s are shown');
    }
    await client.assistant.threads.setSuggestedPrompts({
      channel_id: thread.channel_id,
      thread_ts: thread.thread_ts,
      title: tr.t('chat.suggestedPrompts.title'),
      // Slack takes at most four prompts.
      prompts: (prompts.length > 0 ? prompts : defaultSuggestedPrompts(tr)).slice(0, 4).map((p) => ({
        title: p.title,
        message: p.message,
      })),
    });
  });

  // The app's one command (`/ask` in the manifest), whatever a workspace renamed it to.
  app.command(/^\/.+/, async ({ command, ack }) => {
    const question = questionFromSlackText(command.text ?? '', undefined);
    if (question === '') {
      // Slack waits 3 seconds for this ack: the user's locale is looked up only if cached or quick.
      const user = { platform: 'slack' as const, workspaceId: command.team_id, userId: command.user_id };
      const tr = await translatorOfUser(user, 1000);
      await ack({
        response_type: 'ephemeral',
        text: tr.t('chat.hint.slashCommand', { command: command.command }),
      });
      return;
    }
    await ack();
    const workspaceId = command.team_id;
    await run(
      {
        eventId: `command:${command.trigger_id}`,
        location: {
          platform: 'slack',
          workspaceId,
          channelId: command.channel_id,
          threadId: null,
          place: 'private',
        },
        user: { platform: 'slack', workspaceId, userId: command.user_id },
        text: question,
        addressed: true,
      },
      command.response_url ? platform.withResponseUrl(command.response_url) : platform,
    );
  });

  app.action(ACTION_SHARE, async ({ ack, body, action }) => {
    await ack();
    const b = body as unknown as ActionBody;
    const messageId = (action as { value?: string }).value ?? '';
    const channelId = b.channel?.id ?? b.container?.channel_id;
    if (!channelId) return;
    const user = actor(b);
    const outcome = await conversation.shareAnswer(platform, {
      messageId,
      user,
      location: {
        platform: 'slack',
        workspaceId: user.workspaceId,
        channelId,
        threadId: null,
        place: channelId.startsWith('D') ? 'direct' : 'channel',
      },
    });
    logger.info({ messageId, outcome }, 'slack share');
  });

  app.action(ACTION_FEEDBACK_UP, async ({ ack, body, action }) => {
    await ack();
    const b = body as unknown as ActionBody;
    const messageId = (action as { value?: string }).value ?? '';
    const stored = await conversation.recordFeedback(platform, {
      ref: { messageId },
      user: actor(b),
      value: 'up',
    });
    const tr = await translatorOfUser(actor(b));
    await thank(b, tr, tr.t(stored ? 'chat.feedback.thanks' : 'chat.feedback.notRated'));
  });

  app.action(ACTION_FEEDBACK_DOWN, async ({ ack, body, action, client }) => {
    await ack();
    const b = body as unknown as ActionBody;
    const messageId = (action as { value?: string }).value ?? '';
    const stored = await conversation.recordFeedback(platform, {
      ref: { messageId },
      user: actor(b),
      value: 'down',
    });
    const tr = await translatorOfUser(actor(b), 1000);
    if (!stored) {
      await thank(b, tr, tr.t('chat.feedback.notRated'));
      return;
    }
    // The rating is stored already; the modal only adds an optional comment.
    await client.views.open({
      trigger_id: b.trigger_id,
      view: feedbackModal({ messageId, channelId: b.channel?.id ?? null }, tr),
    });
  });

  app.view(FEEDBACK_MODAL, async ({ ack, view, body }) => {
    await ack();
    const meta = JSON.parse(view.private_metadata || '{}') as { messageId?: string };
    const comment = view.state.values[FEEDBACK_COMMENT_BLOCK]?.[FEEDBACK_COMMENT_ACTION]?.value?.trim();
    if (!meta.messageId || !comment) return;
    await conversation.recordFeedback(platform, {
      ref: { messageId: meta.messageId },
      user: actor(body as unknown as ActionBody),
      value: 'down',
      comment,
    });
  });

  async function thank(body: ActionBody, tr: Translator, text: string): Promise<void> {
    const channelId = body.channel?.id ?? body.container?.channel_id;
    if (!channelId) return;
    const user = actor(body);
    await platform.postNotice(
      {
        platform: 'slack',
        workspaceId: user.workspaceId,
        channelId,
        threadId: body.container?.thread_ts ?? null,
        place: 'private',
        locale: tr.locale,
      },
      user,
      text,
    );
  }
}

// Refused ratings: someone else's answer (only the asker rates it), or one deleted since.
interface ActionBody {
  readonly user: { readonly id: string; readonly team_id?: string };
  readonly team?: { readonly id: string } | null;
  readonly channel?: { readonly id: string };
  readonly container?: {
    readonly channel_id?: string;
    readonly thread_ts?: string;
    readonly message_ts?: string;
  };
  readonly trigger_id: string;
}

function actor(body: ActionBody): ChatUserRef {
  return { platform: 'slack', workspaceId: body.user.team_id ?? body.team?.id ?? '', userId: body.user.id };
}
