import { desc, eq, sql } from 'drizzle-orm';
import type { ConversationKey, ConversationStore, HistoryTurn, StoredAnswer } from '#core';
import { redactPersonalData } from '../core/redaction.ts';
import type { Db, Executor } from './client.ts';
import { conversations, messageRatings, messageSources, messages } from './schema.ts';
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
              page: s.page,
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
 * Records a person's 👍/👎 (and an optional comment) on a stored answer, once per person: a second rating
 * by the same person replaces theirs. The asker may always rate; anyone else only an answer shown in a
 * channel, where they saw it. The asker's rating alone is the answer's own feedback (messages.feedback):
 * other people's ratings are counted beside it and never replace it. False when nothing was stored (no
 * such answer, or a DM or private answer rated by someone other than its asker).
 */
export async function recordFeedback(
  db: Executor,
  input: { messageId: string; raterId: string; value: 'up' | 'down'; comment?: string | null },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [message] = await tx
      .select({ userId: messages.userId, shownInChannel: messages.shownInChannel })
      .from(messages)
      .where(eq(messages.id, input.messageId))
      .for('update');
    if (!message) return false;
    const byAsker = message.userId === input.raterId;
    if (!byAsker && !message.shownInChannel) return false;
    const rating = { value: input.value, comment: input.comment ?? null, ratedAt: new Date() };
    await tx
      .insert(messageRatings)
      .values({ messageId: input.messageId, userId: input.raterId, ...rating })
      .onConflictDoUpdate({ target: [messageRatings.messageId, messageRatings.userId], set: rating });
    if (byAsker) {
      await tx
        .update(messages)
        .set({ feedback: rating.value, feedbackComment: rating.comment, feedbackAt: rating.ratedAt })
        .where(eq(messages.id, input.messageId));
    }
    return true;
  });
}
