import { and, eq, sql } from 'drizzle-orm';
import type { ConversationReferences, Platform } from '#core';
import type { Db } from './client.ts';
import { conversationReferences } from './schema.ts';

/** Conversation references in `conversation_references`: one row per platform and conversation. */
export function createConversationReferences(db: Db): ConversationReferences {
  return {
    async save(platform: Platform, conversationId: string, reference: Readonly<Record<string, unknown>>) {
      await db
        .insert(conversationReferences)
        .values({ platform, conversationId, reference: { ...reference } })
        .onConflictDoUpdate({
          target: [conversationReferences.platform, conversationReferences.conversationId],
          set: { reference: { ...reference }, updatedAt: sql`now()` },
        });
    },
    async find(platform: Platform, conversationId: string) {
      const [row] = await db
        .select({ reference: conversationReferences.reference })
        .from(conversationReferences)
        .where(
          and(
            eq(conversationReferences.platform, platform),
            eq(conversationReferences.conversationId, conversationId),
          ),
        );
      return row?.reference ?? null;
    },
  };
}
