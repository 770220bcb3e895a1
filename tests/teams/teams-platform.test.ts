/** The Teams adapter against the ChatPlatform conformance suite, read back from the fake connector. */
import { expect } from 'vitest';
import type { ChatLocation, ChatPlace, ChatUserRef, ConversationReferences } from '#core';
import { loadConfig } from '#core';
import { createBotAdapter, createTeamsConnector, createTeamsPlatform } from '../../bot/teams/index.ts';
import { type DeliveredMessage, describeChatPlatformConformance } from '../chat/chat-platform-conformance.ts';
import { type SentActivity, startFakeBotConnector } from '../fakes/bot-connector.ts';
import { silentLogger } from '../support/engine.ts';
import {
  type ActivityJson,
  APP_ID,
  fakeCredentials,
  fixtureActivity,
  messageEntity,
  OUTBOUND_TOKEN,
  PEOPLE,
  personalMessage,
} from '../support/teams.ts';

describeChatPlatformConformance('Teams', async () => {
  const connector = await startFakeBotConnector({ members: PEOPLE, outboundToken: OUTBOUND_TOKEN });
  const config = loadConfig({ MICROSOFT_APP_ID: APP_ID, TEAMS_STREAM_INTERVAL_MS: '1' });
  const { adapter, auth } = createBotAdapter(config, fakeCredentials(APP_ID), silentLogger);
  const stored = new Map<string, Record<string, unknown>>();
  const references: ConversationReferences = {
    async save(_platform, id, reference) {
      stored.set(id, { ...reference });
    },
    async find(_platform, id) {
      return stored.get(id) ?? null;
    },
  };
  const teams = createTeamsConnector({ adapter, auth, appId: APP_ID, references, logger: silentLogger });
  const platform = createTeamsPlatform({ connector: teams, streamIntervalMs: 1, logger: silentLogger });

  // The conversations the bot has heard from: a channel thread (the fixture) and a personal chat.
  const channel: ActivityJson = {
    ...fixtureActivity('message_channel_thread_mention.json'),
    serviceUrl: connector.url,
  };
  const personal: ActivityJson = { ...personalMessage('hello'), serviceUrl: connector.url };
  const asker: ChatUserRef = {
    platform: 'teams',
    workspaceId: '56653e9d-2158-46ee-90d7-675c39642038',
    userId: 'c5e99701-2a32-49c1-a660-4629ceeb8c61',
  };
  await teams.remember(channel, null);
  await teams.remember(personal, asker);

  const locations: Record<ChatPlace, ChatLocation | null> = {
    channel: {
      platform: 'teams',
      workspaceId: '50612dbb-0237-4969-b378-8d42590f9c00',
      channelId: '19:6848757105754c8981c67612732d9aa7@thread.tacv2',
      threadId: '1759881511856',
      place: 'channel',
    },
    direct: {
      platform: 'teams',
      workspaceId: asker.workspaceId,
      channelId: String((personal.conversation as ActivityJson).id),
      threadId: String((personal.conversation as ActivityJson).id),
      place: 'direct',
    },
    private: null, // Teams has no message that only one person in a shared conversation sees
  };

  return {
    platform,
    asker,
    askerEmail: 'rido.personal@example.com',
    bot: {
      platform: 'teams',
      workspaceId: asker.workspaceId,
      userId: '28:aabdbd62-bc97-4afb-83ee-575594577de5',
    },
    location: (place) => locations[place],
    async delivered() {
      expect(connector.unexpected).toEqual([]);
      expect(connector.violations).toEqual([]);
      return connector.sent.filter((s) => s.activity.type === 'message').map(delivered);
    },
    async reset() {
      connector.reset();
    },
    close: () => connector.close(),
  };
});

/** What a person sees of a message: its text, who sees it, its citations (or sources card) and buttons. */
function delivered(sent: SentActivity): DeliveredMessage {
  const activity = sent.activity;
  const citations = (messageEntity(activity)?.citation ?? []) as { appearance: { name: string } }[];
  const cardTitles = ((activity.attachments ?? []) as { content?: { body?: { text?: string }[] } }[])
    .flatMap((a) => a.content?.body ?? [])
    .map((b) => /^\[\d+\] \[?([^\]]+)/.exec(b.text ?? '')?.[1])
    .filter((t): t is string => t !== undefined);
  return {
    id: sent.id,
    text: String(activity.text ?? ''),
    // Personal chats are between the asker and the bot; anything else is seen by everyone in it.
    audience: sent.conversationId.startsWith('a:') ? 'asker' : 'everyone',
    sourceTitles: citations.length > 0 ? citations.map((c) => c.appearance.name) : cardTitles,
    feedback:
      (activity.channelData as { feedbackLoopEnabled?: boolean } | undefined)?.feedbackLoopEnabled === true,
  };
}
