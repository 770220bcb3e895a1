import type { ChatIdentities, ChatMember, ChatPlatform, ChatUserRef } from '#core';

/**
 * Maps a chat user onto an ex-GPT user: a short-lived in-memory cache in front of the identities table,
 * which is in front of the platform's user lookup (Slack's users.info is rate-limited). The first
 * question of a new user creates them as a member of the default group.
 */
export interface ChatMembers {
  resolve(platform: ChatPlatform, user: ChatUserRef): Promise<ChatMember | 'bot'>;
}

export function createChatMembers(options: {
  readonly identities: ChatIdentities;
  readonly ttlMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}): ChatMembers {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { member: ChatMember; expires: number }>();
  // Concurrent first messages of one user share one lookup.
  const pending = new Map<string, Promise<ChatMember | 'bot'>>();

  async function load(platform: ChatPlatform, user: ChatUserRef): Promise<ChatMember | 'bot'> {
    const known = await options.identities.find(user);
    if (known) return known;
    const profile = await platform.lookupUser(user);
    if (profile.isBot) return 'bot';
    return options.identities.link(profile);
  }

  return {
    async resolve(platform, user) {
      const key = `${user.platform}:${user.workspaceId}:${user.userId}`;
      const hit = cache.get(key);
      if (hit && hit.expires > now()) return hit.member;
      let loading = pending.get(key);
      if (!loading) {
        loading = load(platform, user).finally(() => pending.delete(key));
        pending.set(key, loading);
      }
      const member = await loading;
      if (member !== 'bot') {
        cache.delete(key);
        cache.set(key, { member, expires: now() + ttlMs });
        if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
      }
      return member;
    },
  };
}
