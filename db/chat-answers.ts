import { and, asc, eq, exists, sql } from 'drizzle-orm';
import type { ChatAnswers, ChatMessageRef, ConversationKey, StoredChatAnswer } from '#core';
import type { Db } from './client.ts';
import { recordFeedback } from './conversation-store.ts';
import { conversations, documents, messageSources, messages } from './schema.ts';

/** Stored answers as the chat adapters need them: threads answered, platform message ids, feedback. */
export function createChatAnswers(db: Db): ChatAnswers {
  async function messageIdOf(ref: ChatMessageRef): Promise<string | null> {
    if ('messageId' in ref) return /^[0-9a-f-]{36}$/i.test(ref.messageId) ? ref.messageId : null;
    const [row] = await db
      .select({ id: messages.id })
      .from(messages)
      .where(eq(messages.platformMessageId, ref.platformMessageId))
      .orderBy(sql`${messages.createdAt} desc`)
      .limit(1);
    return row?.id ?? null;
  }

  return {
    async hasAnswered(key: ConversationKey): Promise<boolean> {
      if (key.threadId === null) return false;
      const [row] = await db
        .select({ id: conversations.id })
        .from(conversations)
        .where(
          and(
            eq(conversations.platform, key.platform),
            key.channelId === null
              ? sql`${conversations.channelId} is null`
              : eq(conversations.channelId, key.channelId),
            eq(conversations.threadId, key.threadId),
            exists(
              db.select({ one: sql`1` }).from(messages).where(eq(messages.conversationId, conversations.id)),
            ),
          ),
        )
        .limit(1);
      return row !== undefined;
    },

    async attachPlatformMessage(
      messageId: string,
      platformMessageId: string,
      inChannel: boolean,
    ): Promise<void> {
      // Once shown in a channel (a shared private answer) it stays rateable by its members.
      await db
        .update(messages)
        .set({ platformMessageId, ...(inChannel ? { shownInChannel: true } : {}) })
        .where(eq(messages.id, messageId));
    },

    async find(ref: ChatMessageRef): Promise<StoredChatAnswer | null> {
      const id = await messageIdOf(ref);
      if (!id) return null;
      const [message] = await db
        .select({
          id: messages.id,
          userId: messages.userId,
          answer: messages.answer,
          answered: messages.answered,
        })
        .from(messages)
        .where(eq(messages.id, id));
      if (!message) return null;
      const sources = await db
        .select({
          n: messageSources.n,
          chunkId: messageSources.chunkId,
          documentId: messageSources.documentId,
          documentVersion: messageSources.documentVersion,
          title: messageSources.title,
          section: messageSources.section,
          page: messageSources.page,
          url: messageSources.url,
          text: messageSources.text,
          collectionId: documents.collectionId,
        })
        .from(messageSources)
        .leftJoin(documents, eq(documents.id, messageSources.documentId))
        .where(eq(messageSources.messageId, id))
        .orderBy(asc(messageSources.n));
      return {
        messageId: message.id,
        userId: message.userId,
        text: message.answer,
        answered: message.answered,
        sources: sources.map((s) => ({
          ...s,
          chunkId: String(s.chunkId),
          snippet: snippetOf(s.text),
          collectionId: s.collectionId ?? null,
        })),
      };
    },

    async recordFeedback(ref, feedback): Promise<boolean> {
      const id = await messageIdOf(ref);
      if (!id) return false;
      if (!feedback.raterId) return false;
      return recordFeedback(db, {
        messageId: id,
        raterId: feedback.raterId,
        value: feedback.value,
        comment: feedback.comment,
      });
    },
  };
}

function snippetOf(text: string, max = 240): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max)}…`;
}
