/**
 * Everything the bot sends to Teams goes through the Bot Framework connector at the conversation's
 * service URL, proactively (the answer is written after the activity has been acknowledged): messages
 * with a connector client from the adapter's authentication (its outbound token included), member
 * lookups as a proactive turn of botbuilder's CloudAdapter, which TeamsInfo needs.
 * The service URL and ids come from the conversation reference: kept in memory, stored in
 * `conversation_references` so that a restarted process (or another instance) can still reach the chat.
 */
import { type Activity, type CloudAdapter, type ConversationReference, TeamsInfo } from 'botbuilder';
import {
  AuthenticationConstants,
  type BotFrameworkAuthentication,
  ClaimsIdentity,
  type ConnectorClient,
} from 'botframework-connector';
import type { ChatLocation, ChatUserRef, ConversationReferences, Logger } from '#core';
import { replyConversationId, splitConversationId, teamOf, tenantOf } from './teams-activity.ts';

/** What ex-GPT keeps of a conversation to reach it later. */
export interface TeamsReference {
  readonly serviceUrl: string;
  readonly channelId: string;
  readonly conversation: {
    readonly id: string;
    readonly conversationType?: string;
    readonly tenantId?: string;
    readonly isGroup?: boolean;
  };
  readonly bot: { readonly id: string; readonly name?: string };
  readonly tenantId: string;
  readonly teamId: string | null;
}

export interface TeamsMember {
  readonly email: string | null;
  readonly name: string | null;
}

export interface TeamsConnector {
  /** Remembers how to reach the activity's conversation and who wrote in it (stored when it changed). */
  remember(activity: Partial<Activity>, user: ChatUserRef | null): Promise<void>;
  /** Sends an activity to `location` (a channel's thread, or the chat); returns the message id Teams gave it. */
  send(location: ChatLocation, activity: Partial<Activity>): Promise<string | null>;
  /** Teams' record of a user (email, name), asked in a conversation they wrote in; null when unknown. */
  member(user: ChatUserRef): Promise<TeamsMember | null>;
  /** The Bot Framework channel a known conversation is on (`msteams`, `emulator`, `webchat`…). */
  channelOf(conversationId: string): string | null;
}

export interface TeamsConnectorOptions {
  readonly adapter: CloudAdapter;
  /** The adapter's authentication: its connector factory makes the clients (and tokens) for sending. */
  readonly auth: BotFrameworkAuthentication;
  /** The bot's app id ('' in development mode): the proactive turns' identity. */
  readonly appId: string;
  readonly references: ConversationReferences;
  readonly logger: Logger;
}

export function referenceOf(activity: Partial<Activity>): TeamsReference | null {
  const conversation = activity.conversation;
  if (!activity.serviceUrl || !conversation?.id || !activity.recipient?.id) return null;
  const tenantId = tenantOf(activity);
  return {
    serviceUrl: activity.serviceUrl,
    channelId: activity.channelId ?? 'msteams',
    conversation: {
      id: splitConversationId(conversation.id).base,
      ...(conversation.conversationType ? { conversationType: conversation.conversationType } : {}),
      ...(tenantId ? { tenantId } : {}),
      ...(conversation.isGroup !== undefined ? { isGroup: conversation.isGroup } : {}),
    },
    bot: { id: activity.recipient.id, ...(activity.recipient.name ? { name: activity.recipient.name } : {}) },
    tenantId,
    teamId: teamOf(activity),
  };
}

function isTeamsReference(value: unknown): value is TeamsReference {
  const v = value as Partial<TeamsReference> | null;
  return (
    typeof v?.serviceUrl === 'string' &&
    typeof v.conversation?.id === 'string' &&
    typeof v.bot?.id === 'string'
  );
}

export function createTeamsConnector(options: TeamsConnectorOptions): TeamsConnector {
  const { adapter, appId, references, logger } = options;
  // One connector client per service URL: a proactive turn per streamed update would build two HTTP
  // clients each time. Tokens are cached by botframework-connector's credentials either way.
  const connectorFactory = options.auth.createConnectorFactory(
    new ClaimsIdentity([
      { type: AuthenticationConstants.AudienceClaim, value: appId },
      { type: AuthenticationConstants.AppIdClaim, value: appId },
    ]),
  );
  const clients = new Map<string, Promise<ConnectorClient>>();
  const clientFor = (serviceUrl: string): Promise<ConnectorClient> => {
    let client = clients.get(serviceUrl);
    if (!client) {
      client = connectorFactory.create(serviceUrl, AuthenticationConstants.ToChannelFromBotOAuthScope);
      client.catch(() => clients.delete(serviceUrl));
      clients.set(serviceUrl, client);
    }
    return client;
  };
  const known = new Map<string, TeamsReference>();
  /** The conversation each user last wrote in: where Teams will tell us about them. */
  const seenIn = new Map<string, string>();
  const userKey = (user: ChatUserRef) => `${user.workspaceId}:${user.userId}`;

  async function referenceFor(conversationId: string): Promise<TeamsReference> {
    const cached = known.get(conversationId);
    if (cached) return cached;
    const stored = await references.find('teams', conversationId);
    if (!isTeamsReference(stored))
      throw new Error(`no conversation reference for Teams conversation ${conversationId}`);
    known.set(conversationId, stored);
    return stored;
  }

  function conversationReference(
    reference: TeamsReference,
    conversationId: string,
  ): Partial<ConversationReference> {
    return {
      channelId: reference.channelId,
      serviceUrl: reference.serviceUrl,
      bot: { id: reference.bot.id, name: reference.bot.name ?? '' },
      conversation: {
        ...reference.conversation,
        id: conversationId,
        isGroup: reference.conversation.isGroup ?? false,
        conversationType: reference.conversation.conversationType ?? '',
        name: '',
      },
    };
  }

  return {
    async remember(activity, user) {
      const reference = referenceOf(activity);
      if (!reference) return;
      if (user) seenIn.set(userKey(user), reference.conversation.id);
      const before = known.get(reference.conversation.id);
      known.set(reference.conversation.id, reference);
      if (before && JSON.stringify(before) === JSON.stringify(reference)) return;
      await references.save(
        'teams',
        reference.conversation.id,
        reference as unknown as Record<string, unknown>,
      );
    },

    async send(location, activity) {
      const reference = await referenceFor(location.channelId);
      const conversationId = replyConversationId(location);
      const address = conversationReference(reference, conversationId);
      const client = await clientFor(reference.serviceUrl);
      const response = await client.conversations.sendToConversation(conversationId, {
        ...activity,
        channelId: address.channelId,
        serviceUrl: address.serviceUrl,
        conversation: address.conversation,
        from: address.bot,
      } as Activity);
      return response?.id || null;
    },

    channelOf(conversationId) {
      return known.get(conversationId)?.channelId ?? null;
    },

    async member(user) {
      const conversationId = seenIn.get(userKey(user));
      if (!conversationId) return null;
      const reference = await referenceFor(conversationId);
      let member: TeamsMember | null = null;
      await adapter.continueConversationAsync(
        appId,
        conversationReference(reference, conversationId),
        async (context) => {
          // In a team, Teams answers for the team's roster; elsewhere for the conversation's members.
          if (reference.teamId) context.activity.channelData = { team: { id: reference.teamId } };
          try {
            const account = await TeamsInfo.getMember(context, user.userId);
            member = {
              email: emailOf(account.email, account.userPrincipalName),
              name: account.name?.trim() || account.givenName?.trim() || null,
            };
          } catch (error) {
            logger.warn({ err: error, userId: user.userId }, 'teams member lookup failed');
          }
        },
      );
      return member;
    },
  };
}

/** Teams' email, else the sign-in name where it is one (a guest's `…#EXT#@…` is not a mailbox). */
function emailOf(email: string | undefined, upn: string | undefined): string | null {
  const given = email?.trim();
  if (given) return given;
  const name = upn?.trim();
  return name && /^[^@\s#]+@[^@\s#]+\.[^@\s#]+$/.test(name) ? name : null;
}
