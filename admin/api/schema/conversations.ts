/** Conversations with the exact sources each answer used, and the review queue of poorly rated answers. */
import type { IResolvers } from '@graphql-tools/utils';
import { and, asc, desc, eq, gte, ilike, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { AppError, PLATFORMS } from '#core';
import { type Executor, findUserById, schema } from '#db';
import { type AdminContext, audited } from '../context.ts';
import { connectionTypeDefs, decodeTimeCursor, encodeCursor, pageArgs, toConnection } from '../pagination.ts';
import { idRule, optionalText, parseInput } from '../validation.ts';
import { escapeLike } from './users.ts';

const { conversations, messages, messageRatings, messageSources, documents } = schema;
type ConversationRow = typeof conversations.$inferSelect;
type MessageRow = typeof messages.$inferSelect;
type SourceRow = typeof messageSources.$inferSelect;

export const typeDefs = `
type Conversation {
  id: ID!
  platform: Platform!
  channelId: String
  threadId: String
  user: User
  createdAt: DateTime!
  updatedAt: DateTime!
  messageCount: Int!
  firstQuestion: String
  "Questions and answers, oldest first."
  messages: [Message!]!
}

type Message {
  id: ID!
  conversation: Conversation!
  user: User
  question: String!
  "The question as retrieval saw it (follow-ups rewritten with the thread's context)."
  standaloneQuestion: String!
  answer: String!
  answered: Boolean!
  model: String!
  promptTokens: Int!
  completionTokens: Int!
  latencyMs: Int!
  "The asker's own rating: the answer's verdict."
  feedback: Feedback
  feedbackComment: String
  feedbackAt: DateTime
  "Everyone's 👍 (the asker's and, in a channel, each member's once)."
  ratingsUp: Int!
  "Everyone's 👎, each person once."
  ratingsDown: Int!
  "Each person's own rating, newest first."
  ratings: [MessageRating!]!
  reviewedAt: DateTime
  createdAt: DateTime!
  "The sources the answer showed, with the exact text it was given (kept even after re-indexing)."
  sources: [MessageSource!]!
}

type MessageRating {
  user: User
  value: Feedback!
  comment: String
  ratedAt: DateTime!
  "Whether this is the asker's own rating."
  byAsker: Boolean!
}

type MessageSource {
  n: Int!
  chunkId: ID!
  documentId: ID!
  documentVersion: Int!
  title: String!
  "The heading path (a sheet's name, a slide's title) joined by ›."
  section: String
  "The page the cited text starts on, for documents with pages (PDF)."
  page: Int
  url: String
  text: String!
  "The document as it is now (null once deleted)."
  document: Document
}

${connectionTypeDefs('Conversation')}
${connectionTypeDefs('Message')}

type Query {
  "Newest first. search matches questions and answers; the message filters match when any message does."
  conversations(search: String, platform: Platform, channelId: String, userId: ID, from: DateTime, to: DateTime, feedback: Feedback, unanswered: Boolean, first: Int = 25, after: String): ConversationConnection! @allow(roles: [admin, auditor])
  conversation(id: ID!): Conversation @allow(roles: [admin, auditor])
  "Answers rated 👎 by their asker or by anyone in a channel (and, with includeUnanswered, questions without an answer) not yet reviewed, newest first."
  feedbackQueue(includeReviewed: Boolean = false, includeUnanswered: Boolean = false, first: Int = 25, after: String): MessageConnection! @allow(roles: [admin, curator])
}

type Mutation {
  "Marks a message of the review queue as reviewed, with an optional note (kept in the audit log)."
  reviewFeedback(messageId: ID!, note: String): Message! @allow(roles: [admin, curator])
}
`;

export interface ConversationFilter {
  readonly search?: string | null | undefined;
  readonly platform?: (typeof PLATFORMS)[number] | null | undefined;
  readonly channelId?: string | null | undefined;
  readonly userId?: string | null | undefined;
  readonly from?: Date | null | undefined;
  readonly to?: Date | null | undefined;
  readonly feedback?: 'up' | 'down' | null | undefined;
  readonly unanswered?: boolean | null | undefined;
}

export const conversationFilterArgs = {
  search: z.string().trim().max(200).nullish(),
  platform: z.enum(PLATFORMS).nullish(),
  channelId: z.string().max(300).nullish(),
  userId: idRule.nullish(),
  from: z.date().nullish(),
  to: z.date().nullish(),
  feedback: z.enum(['up', 'down']).nullish(),
  unanswered: z.boolean().nullish(),
};

/** Messages someone rated `value`: the asker, or (in a channel) any member, each person's own rating. */
function ratedAs(db: Executor, value: 'up' | 'down'): SQL {
  return sql`exists (${db
    .select({ one: sql`1` })
    .from(messageRatings)
    .where(and(eq(messageRatings.messageId, messages.id), eq(messageRatings.value, value)))})`;
}

/** The WHERE clause over `conversations` for a filter (shared with the conversations export). */
export function conversationWhere(db: Executor, filter: ConversationFilter): SQL | undefined {
  const like = filter.search ? `%${escapeLike(filter.search)}%` : null;
  const messageConditions = [
    filter.feedback ? ratedAs(db, filter.feedback) : undefined,
    filter.unanswered === true ? eq(messages.answered, false) : undefined,
    filter.unanswered === false ? eq(messages.answered, true) : undefined,
    like ? or(ilike(messages.question, like), ilike(messages.answer, like)) : undefined,
  ].filter((c) => c !== undefined);
  return and(
    filter.platform ? eq(conversations.platform, filter.platform) : undefined,
    filter.channelId ? eq(conversations.channelId, filter.channelId) : undefined,
    filter.userId ? eq(conversations.userId, filter.userId) : undefined,
    filter.from ? gte(conversations.createdAt, filter.from) : undefined,
    filter.to ? lt(conversations.createdAt, filter.to) : undefined,
    messageConditions.length
      ? sql`exists (${db
          .select({ one: sql`1` })
          .from(messages)
          .where(and(eq(messages.conversationId, conversations.id), ...messageConditions))})`
      : undefined,
  );
}

export const resolvers: IResolvers<unknown, AdminContext> = {
  Conversation: {
    user: (c: ConversationRow, _args, ctx) => (c.userId ? findUserById(ctx.services.db, c.userId) : null),
    messageCount: async (c: ConversationRow, _args, ctx) => {
      const [row] = await ctx.services.db
        .select({ n: sql<number>`count(*)::int` })
        .from(messages)
        .where(eq(messages.conversationId, c.id));
      return row?.n ?? 0;
    },
    firstQuestion: async (c: ConversationRow, _args, ctx) => {
      const [row] = await ctx.services.db
        .select({ question: messages.question })
        .from(messages)
        .where(eq(messages.conversationId, c.id))
        .orderBy(asc(messages.createdAt))
        .limit(1);
      return row?.question ?? null;
    },
    messages: (c: ConversationRow, _args, ctx) =>
      ctx.services.db
        .select()
        .from(messages)
        .where(eq(messages.conversationId, c.id))
        .orderBy(asc(messages.createdAt))
        .limit(500),
  },
  Message: {
    conversation: async (m: MessageRow, _args, ctx) => {
      const [row] = await ctx.services.db
        .select()
        .from(conversations)
        .where(eq(conversations.id, m.conversationId));
      return row;
    },
    user: (m: MessageRow, _args, ctx) => (m.userId ? findUserById(ctx.services.db, m.userId) : null),
    ratingsUp: (m: MessageRow, _args, ctx) => countRatings(ctx.services.db, m.id, 'up'),
    ratingsDown: (m: MessageRow, _args, ctx) => countRatings(ctx.services.db, m.id, 'down'),
    ratings: async (m: MessageRow, _args, ctx) => {
      const found = await ctx.services.db
        .select()
        .from(messageRatings)
        .where(eq(messageRatings.messageId, m.id))
        .orderBy(desc(messageRatings.ratedAt))
        .limit(200);
      return found.map((r) => ({ ...r, byAsker: r.userId === m.userId }));
    },
    sources: (m: MessageRow, _args, ctx) =>
      ctx.services.db
        .select()
        .from(messageSources)
        .where(eq(messageSources.messageId, m.id))
        .orderBy(asc(messageSources.n)),
  },
  MessageRating: {
    user: (r: { userId: string }, _args, ctx) => findUserById(ctx.services.db, r.userId),
  },
  MessageSource: {
    chunkId: (s: SourceRow) => String(s.chunkId),
    document: async (s: SourceRow, _args, ctx) => {
      const [doc] = await ctx.services.db.select().from(documents).where(eq(documents.id, s.documentId));
      return doc ?? null;
    },
  },
  Query: {
    conversations: async (_parent, args, ctx) => {
      const input = parseInput(z.object({ ...conversationFilterArgs, ...pageArgs }), args);
      const cursor = decodeTimeCursor(input.after);
      const db = ctx.services.db;
      const rows = await db
        .select({ conversation: conversations, cursorAt: sql<string>`${conversations.createdAt}::text` })
        .from(conversations)
        .where(
          and(
            conversationWhere(db, input),
            cursor
              ? sql`(${conversations.createdAt}, ${conversations.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
              : undefined,
          ),
        )
        .orderBy(desc(conversations.createdAt), desc(conversations.id))
        .limit(input.first + 1);
      return toConnection(
        rows.map((r) => ({ ...r.conversation, cursorAt: r.cursorAt })),
        input.first,
        (c) => encodeCursor([c.cursorAt, c.id]),
      );
    },
    conversation: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      const [row] = await ctx.services.db.select().from(conversations).where(eq(conversations.id, id));
      return row ?? null;
    },
    feedbackQueue: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({
          includeReviewed: z.boolean().nullish(),
          includeUnanswered: z.boolean().nullish(),
          ...pageArgs,
        }),
        args,
      );
      const cursor = decodeTimeCursor(input.after);
      const rows = await ctx.services.db
        .select({ message: messages, cursorAt: sql<string>`${messages.createdAt}::text` })
        .from(messages)
        .where(
          and(
            input.includeUnanswered
              ? or(ratedAs(ctx.services.db, 'down'), eq(messages.answered, false))
              : ratedAs(ctx.services.db, 'down'),
            input.includeReviewed ? undefined : isNull(messages.reviewedAt),
            cursor
              ? sql`(${messages.createdAt}, ${messages.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
              : undefined,
          ),
        )
        .orderBy(desc(messages.createdAt), desc(messages.id))
        .limit(input.first + 1);
      return toConnection(
        rows.map((r) => ({ ...r.message, cursorAt: r.cursorAt })),
        input.first,
        (m) => encodeCursor([m.cursorAt, m.id]),
      );
    },
  },
  Mutation: {
    reviewFeedback: async (_parent, args, ctx) => {
      const input = parseInput(z.object({ messageId: idRule, note: optionalText(2000) }), args);
      return audited(ctx, async (tx, record) => {
        const [message] = await tx
          .update(messages)
          .set({ reviewedAt: new Date() })
          .where(eq(messages.id, input.messageId))
          .returning();
        if (!message)
          throw new AppError('not_found', 'No such message.', { localized: { key: 'errors.noSuchMessage' } });
        await record({
          action: 'feedback.review',
          targetType: 'message',
          targetId: message.id,
          data: { feedback: message.feedback, answered: message.answered, note: input.note },
        });
        return message;
      });
    },
  },
};

async function countRatings(db: Executor, messageId: string, value: 'up' | 'down'): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(messageRatings)
    .where(and(eq(messageRatings.messageId, messageId), eq(messageRatings.value, value)));
  return row?.n ?? 0;
}
