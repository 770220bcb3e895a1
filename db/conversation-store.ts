import { and, desc, eq, sql } from 'drizzle-orm';
import type { ConversationKey, ConversationStore, HistoryTurn, StoredAnswer } from '#core';
import { redactPersonalData } from '../core/redaction.ts';
import type { Db, Executor } from './client.ts';
import { conversations, messageSources, messages } from './schema.ts';
import { readRedactionRules } from './settings.ts';

export function createConversationStore(db: Db): ConversationStore {
  return {
    async findOrCreate(key: ConversationKey, userId: string) {
      if (key.threadId !== null) {
        const [row] = await db
          .insert(conversations)
          .values({ platform: key.platform, channelId: key.channelId, threadId: key.threadId, userId })
          .onConflictDoUpdate({
            target: [conversations.platform, conversations.channelId, conversations.threadId],
            targetWhere: sql`${conversations.threadId} is not null`,
            set: { updatedAt: new Date() },
          })
          .returning({ id: conversations.id });
        return { id: row!.id };
      }
      const [row] = await db
        .insert(conversations)
        .values({ platform: key.platform, channelId: key.channelId, threadId: null, userId })
        .returning({ id: conversations.id });
      return { id: row!.id };
    },

    async history(conversationId: string, limit: number): Promise<HistoryTurn[]> {
      const turns = await db
        .select({ question: messages.question, answer: messages.answer })
        .from(messages)
        .where(eq(messages.conversationId, conversationId))
        .orderBy(desc(messages.createdAt))
        .limit(limit);
      return turns.reverse();
    },

    async saveAnswer(answer: StoredAnswer) {
      return db.transaction(async (tx) => {
        // The redaction setting applies to what is stored: the console and exports never see the original.
        const redaction = await readRedactionRules(tx);
        const [row] = await tx
          .insert(messages)
          .values({
            conversationId: answer.conversationId,
            userId: answer.userId,
            question: redactPersonalData(answer.question, redaction),
            standaloneQuestion: redactPersonalData(answer.standaloneQuestion, redaction),
            answer: answer.answer,
            answered: answer.answered,
            retrievedChunkIds: answer.retrievedChunkIds.map(Number),
            model: answer.model,
            promptTokens: answer.usage.promptTokens,
            completionTokens: answer.usage.completionTokens,
            latencyMs: Math.round(answer.latencyMs),
            platformMessageId: answer.platformMessageId ?? null,
          })
          .returning({ id: messages.id });
        if (answer.sources.length > 0) {
          await tx.insert(messageSources).values(
            answer.sources.map((s) => ({
              messageId: row!.id,
              n: s.n,
              chunkId: Number(s.chunkId),
              documentId: s.documentId,
              documentVersion: s.documentVersion,
              title: s.title,
              section: s.section,
              url: s.url,
              text: s.text,
            })),
          );
        }
        await tx
          .update(conversations)
          .set({ updatedAt: new Date() })
          .where(eq(conversations.id, answer.conversationId));
        return { messageId: row!.id };
      });
    },
  };
}

/**
 * Records the asker's 👍/👎 (and an optional comment) on a stored answer. Only the asker's rating is the
 * answer's feedback: a rating by anyone else (a channel member, a forged action) changes nothing and
 * returns false, in DMs, ephemeral answers and channels alike.
 */
export async function recordFeedback(
  db: Executor,
  input: { messageId: string; raterId: string; value: 'up' | 'down'; comment?: string | null },
): Promise<boolean> {
  const updated = await db
    .update(messages)
    .set({ feedback: input.value, feedbackComment: input.comment ?? null, feedbackAt: new Date() })
    .where(and(eq(messages.id, input.messageId), eq(messages.userId, input.raterId)))
    .returning({ id: messages.id });
  return updated.length > 0;
}
