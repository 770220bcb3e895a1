import { and, eq, sql } from 'drizzle-orm';
import type { ChatIdentities, ChatMember, ChatUserProfile, ChatUserRef } from '#core';
import type { Db } from './client.ts';
import { identities, users } from './schema.ts';
import { createUser, findUserByEmail, toPrincipal, type UserRow } from './users.ts';

/**
 * Chat accounts mapped onto users: by the account itself once linked, else by email, else a new member in
 * the default group. Without an email (no scope, a guest) the user gets a placeholder address that no
 * real mailbox has, so a later email link never merges two people by accident.
 */
export function createChatIdentities(db: Db): ChatIdentities {
  /** The account's user; marks the account as seen (callers cache members, so this runs every few minutes). */
  async function find(ref: ChatUserRef): Promise<ChatMember | null> {
    const [seen] = await db
      .update(identities)
      .set({ lastSeenAt: sql`now()` })
      .where(
        and(
          eq(identities.provider, ref.platform),
          eq(identities.tenantId, ref.workspaceId),
          eq(identities.externalId, ref.userId),
        ),
      )
      .returning({ userId: identities.userId });
    if (!seen) return null;
    const [user] = await db.select().from(users).where(eq(users.id, seen.userId));
    return user ? toMember(user) : null;
  }

  return {
    find,
    async link(profile: ChatUserProfile): Promise<ChatMember> {
      const existing = await find(profile.ref);
      if (existing) return existing;
      const email = profile.email?.trim() || placeholderEmail(profile.ref);
      await db.transaction(async (tx) => {
        const user =
          (await findUserByEmail(tx, email)) ??
          (await createUser(tx, { email, name: profile.displayName, role: 'member' }));
        await tx
          .insert(identities)
          .values({
            userId: user.id,
            provider: profile.ref.platform,
            tenantId: profile.ref.workspaceId,
            externalId: profile.ref.userId,
            email: profile.email,
            displayName: profile.displayName,
            lastSeenAt: sql`now()`,
          })
          .onConflictDoNothing();
      });
      // Two first messages of the same new user may race: whoever inserted first wins, both read it back.
      const linked = await find(profile.ref);
      if (!linked)
        throw new Error(`identity for ${profile.ref.platform} user ${profile.ref.userId} was not stored`);
      return linked;
    },
  };
}

function toMember(user: UserRow): ChatMember {
  return { principal: toPrincipal(user), disabled: user.disabledAt !== null };
}

function placeholderEmail(ref: ChatUserRef): string {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]/g, '-') || 'none';
  return `${clean(ref.userId)}@${clean(ref.workspaceId)}.${ref.platform}.invalid`;
}
