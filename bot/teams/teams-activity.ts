/**
 * Reading Teams activities: where a message was written (personal chat, group chat, channel thread),
 * who wrote it, whether the bot was @mentioned, and the question with the bot's mention taken out.
 * Pure functions over the wire format, so that they are tested with the fixtures alone.
 */
import type { Activity } from 'botbuilder';
import type { ChatLocation, ChatUserRef } from '#core';

/** The part of a channel conversation id that names the thread: `19:…@thread.tacv2;messageid=<root>`. */
const THREAD_MARKER = ';messageid=';

export type TeamsConversationKind = 'personal' | 'groupChat' | 'channel';

interface ChannelDataShape {
  readonly tenant?: { readonly id?: string };
  readonly team?: { readonly id?: string };
  readonly channel?: { readonly id?: string };
}

function channelData(activity: Partial<Activity>): ChannelDataShape {
  const data: unknown = activity.channelData;
  return data !== null && typeof data === 'object' ? (data as ChannelDataShape) : {};
}

export function tenantOf(activity: Partial<Activity>): string {
  return activity.conversation?.tenantId ?? channelData(activity).tenant?.id ?? '';
}

export function teamOf(activity: Partial<Activity>): string | null {
  return channelData(activity).team?.id ?? null;
}

/** The conversation id without a thread part, and the thread's root message id where there is one. */
export function splitConversationId(id: string): { base: string; root: string | null } {
  const at = id.indexOf(THREAD_MARKER);
  if (at < 0) return { base: id, root: null };
  const root = id.slice(at + THREAD_MARKER.length);
  return { base: id.slice(0, at), root: root === '' ? null : root };
}

export function conversationKind(activity: Partial<Activity>): TeamsConversationKind {
  const type = activity.conversation?.conversationType;
  if (type === 'personal' || type === 'groupChat' || type === 'channel') return type;
  // Microsoft's older examples leave conversationType out: a thread id or a team means a channel.
  const id = activity.conversation?.id ?? '';
  if (id.includes(THREAD_MARKER) || teamOf(activity) !== null) return 'channel';
  return activity.conversation?.isGroup ? 'groupChat' : 'personal';
}

/**
 * Where a message came from and where its answer goes. A channel message is answered in its thread
 * (the thread it was written in, or a new one under it); the thread is also the conversation's key, so
 * follow-ups keep its context. Personal and group chats have no threads: the chat is the conversation.
 * Group chats are seen by everyone in them, so they follow the channel rules (bound collections only).
 */
export function locationOf(activity: Partial<Activity>): ChatLocation {
  const id = activity.conversation?.id ?? '';
  const workspaceId = tenantOf(activity);
  const kind = conversationKind(activity);
  if (kind === 'channel') {
    const { base, root } = splitConversationId(id);
    return {
      platform: 'teams',
      workspaceId,
      channelId: base,
      threadId: root ?? activity.id ?? null,
      place: 'channel',
    };
  }
  return {
    platform: 'teams',
    workspaceId,
    channelId: id,
    threadId: id,
    place: kind === 'personal' ? 'direct' : 'channel',
  };
}

/** The conversation id a reply to `location` is sent to: a channel's thread, or the chat itself. */
export function replyConversationId(location: ChatLocation): string {
  if (location.place === 'channel' && location.threadId && location.threadId !== location.channelId) {
    return `${location.channelId}${THREAD_MARKER}${location.threadId}`;
  }
  return location.channelId;
}

/**
 * A Teams user as ex-GPT knows them: by Entra object id where Teams gives it (the same person in every
 * chat and for every bot), else by the bot-scoped `29:` id.
 */
export function userOf(activity: Partial<Activity>): ChatUserRef | null {
  const from = activity.from;
  if (!from?.id) return null;
  return { platform: 'teams', workspaceId: tenantOf(activity), userId: from.aadObjectId || from.id };
}

/** Bot accounts in Teams have `28:` ids. */
export function isBotId(id: string): boolean {
  return id.startsWith('28:');
}

interface MentionEntity {
  readonly type: 'mention';
  readonly text?: string;
  readonly mentioned?: { readonly id?: string; readonly name?: string };
}

function mentions(activity: Partial<Activity>): MentionEntity[] {
  return (activity.entities ?? []).filter(
    (e): e is MentionEntity => (e as { type?: unknown }).type === 'mention',
  ) as MentionEntity[];
}

function isBotMention(mention: MentionEntity, bot: { id?: string; name?: string } | undefined): boolean {
  if (!bot) return false;
  const id = mention.mentioned?.id;
  if (id && bot.id && (id === bot.id || stripChannelPrefix(id) === stripChannelPrefix(bot.id))) return true;
  return false;
}

/** `28:<app id>` and `<app id>` name the same bot. */
function stripChannelPrefix(id: string): string {
  return id.replace(/^\d+:/, '');
}

export function mentionsBot(activity: Partial<Activity>): boolean {
  return mentions(activity).some((m) => isBotMention(m, activity.recipient));
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const normalName = (s: string) => s.replace(/^@/, '').replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * The question in a message: the bot's own mention removed, other people's mentions kept as their names,
 * HTML entities decoded. Mentions are matched by the entity's `text` where it occurs verbatim, else by the
 * mentioned name inside any `<at>…</at>` tag: Microsoft's own docs example has `<at>Pranav Smith</at>` in
 * the text but `<at>@Pranav Smith</at>` in the entity.
 */
export function questionOf(activity: Partial<Activity>, botIds: readonly string[] = []): string {
  let text = activity.text ?? '';
  const bot = activity.recipient;
  const isBot = (m: MentionEntity) =>
    isBotMention(m, bot) || (m.mentioned?.id !== undefined && botIds.includes(m.mentioned.id));
  for (const mention of mentions(activity).filter(isBot)) {
    if (mention.text && text.includes(mention.text)) {
      text = text.split(mention.text).join(' ');
      continue;
    }
    const names = [mention.mentioned?.name, mention.text?.replace(/<\/?at>/gi, '')]
      .filter((n): n is string => typeof n === 'string' && n.trim() !== '')
      .map(normalName);
    text = text.replace(/<at>([\s\S]*?)<\/at>/gi, (whole, inner: string) =>
      names.includes(normalName(decodeEntities(inner))) ? ' ' : whole,
    );
  }
  // Whatever `<at>` tags are left name other people: keep the name, drop the markup.
  text = text.replace(/<at>([\s\S]*?)<\/at>/gi, (_whole, inner: string) => inner);
  return decodeEntities(text).replace(/\s+/g, ' ').trim();
}
