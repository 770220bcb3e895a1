/**
 * Documents: list with filters, detail with chunks, re-index, delete, move between collections, and
 * live ingestion progress. Uploads go through REST (POST /api/v1/documents, multipart) with the same
 * access token: GraphQL multipart uploads add little and need extra CSRF care.
 */
import type { IResolvers } from '@graphql-tools/utils';
import { and, asc, desc, eq, gt, ilike, or, sql } from 'drizzle-orm';
import { Repeater } from 'graphql-yoga';
import { z } from 'zod';
import { AppError, DOCUMENT_STATUSES, type DocumentProgressEvent, ingestJobId } from '#core';
import { deleteDocumentChunks, type Executor, findUserById, moveDocumentChunks, schema } from '#db';
import { type AdminContext, audited } from '../context.ts';
import {
  connectionTypeDefs,
  decodeNumberCursor,
  decodeTimeCursor,
  encodeCursor,
  pageArgs,
  toConnection,
} from '../pagination.ts';
import { idRule, parseInput } from '../validation.ts';
import { loadCollection } from './collections.ts';
import { escapeLike } from './users.ts';

const { documents, chunks, collections } = schema;
type DocumentRow = typeof documents.$inferSelect;

export const typeDefs = `
type IngestProgress {
  "queued, parsing, chunking, embedding, storing, done or failed"
  stage: String!
  percent: Int!
}

type Document {
  id: ID!
  collection: Collection!
  title: String!
  "Identity inside the collection (a path, file name or URL): uploading the same key replaces the document."
  sourceKey: String!
  filename: String!
  sourceUrl: String
  mimeType: String!
  sizeBytes: Float!
  sha256: String!
  version: Int!
  indexedVersion: Int
  status: DocumentStatus!
  progress: IngestProgress
  error: String
  chunkCount: Int!
  uploadedBy: User
  createdAt: DateTime!
  updatedAt: DateTime!
  indexedAt: DateTime
  "The indexed text, in order."
  chunks(first: Int = 50, after: String): ChunkConnection! @allow(roles: [admin, curator])
}

type Chunk {
  id: ID!
  position: Int!
  headingPath: [String!]!
  text: String!
  tokenCount: Int!
  page: Int
  documentVersion: Int!
}

${connectionTypeDefs('Document')}
${connectionTypeDefs('Chunk')}

type DocumentProgressEvent {
  documentId: ID!
  stage: String!
  percent: Int!
  status: DocumentStatus!
  error: String
}

type Query {
  "Newest first. search matches the title, file name or source key."
  documents(collectionId: ID, status: DocumentStatus, search: String, first: Int = 25, after: String): DocumentConnection! @allow(roles: [admin, curator, auditor])
  document(id: ID!): Document @allow(roles: [admin, curator, auditor])
}

type Mutation {
  "Parses, chunks and embeds the current version again (after a parser or model change)."
  reindexDocument(id: ID!): Document! @allow(roles: [admin, curator])
  deleteDocument(id: ID!): Boolean! @allow(roles: [admin, curator])
  moveDocument(id: ID!, collectionId: ID!): Document! @allow(roles: [admin, curator])
}

type Subscription {
  "Ingestion progress as it happens (server-sent events); all documents, or one."
  documentProgress(documentId: ID): DocumentProgressEvent! @allow(roles: [admin, curator])
}
`;

async function lockDocument(tx: Executor, id: string): Promise<DocumentRow> {
  const [doc] = await tx.select().from(documents).where(eq(documents.id, id)).for('update');
  if (!doc)
    throw new AppError('not_found', 'No such document.', { localized: { key: 'errors.noSuchDocument' } });
  return doc;
}

export const resolvers: IResolvers<unknown, AdminContext> = {
  Document: {
    collection: (doc: DocumentRow, _args, ctx) => loadCollection(ctx.services.db, doc.collectionId),
    uploadedBy: (doc: DocumentRow, _args, ctx) =>
      doc.uploadedBy ? findUserById(ctx.services.db, doc.uploadedBy) : null,
    chunks: async (doc: DocumentRow, args, ctx) => {
      const input = parseInput(z.object({ ...pageArgs }), args);
      const after = decodeNumberCursor(input.after);
      const rows = await ctx.services.db
        .select()
        .from(chunks)
        .where(and(eq(chunks.documentId, doc.id), after !== null ? gt(chunks.position, after) : undefined))
        .orderBy(asc(chunks.position))
        .limit(input.first + 1);
      return toConnection(rows, input.first, (c) => encodeCursor([c.position]));
    },
  },
  DocumentProgressEvent: {
    stage: (event: DocumentProgressEvent) => event.progress.stage,
    percent: (event: DocumentProgressEvent) => event.progress.percent,
  },
  Query: {
    documents: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({
          collectionId: idRule.nullish(),
          status: z.enum(DOCUMENT_STATUSES).nullish(),
          search: z.string().trim().max(200).nullish(),
          ...pageArgs,
        }),
        args,
      );
      const cursor = decodeTimeCursor(input.after);
      const like = input.search ? `%${escapeLike(input.search)}%` : null;
      const rows = await ctx.services.db
        .select({ doc: documents, cursorAt: sql<string>`${documents.createdAt}::text` })
        .from(documents)
        .where(
          and(
            input.collectionId ? eq(documents.collectionId, input.collectionId) : undefined,
            input.status ? eq(documents.status, input.status) : undefined,
            like
              ? or(
                  ilike(documents.title, like),
                  ilike(documents.filename, like),
                  ilike(documents.sourceKey, like),
                )
              : undefined,
            cursor
              ? sql`(${documents.createdAt}, ${documents.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
              : undefined,
          ),
        )
        .orderBy(desc(documents.createdAt), desc(documents.id))
        .limit(input.first + 1);
      return toConnection(
        rows.map((r) => ({ ...r.doc, cursorAt: r.cursorAt })),
        input.first,
        (d) => encodeCursor([d.cursorAt, d.id]),
      );
    },
    document: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      const [doc] = await ctx.services.db.select().from(documents).where(eq(documents.id, id));
      return doc ?? null;
    },
  },
  Mutation: {
    reindexDocument: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      const doc = await audited(ctx, async (tx, record) => {
        const before = await lockDocument(tx, id);
        const [updated] = await tx
          .update(documents)
          .set({
            status: 'queued',
            progress: { stage: 'queued', percent: 0 },
            error: null,
            updatedAt: new Date(),
          })
          .where(eq(documents.id, id))
          .returning();
        await record({
          action: 'document.reindex',
          targetType: 'document',
          targetId: id,
          data: { title: before.title, version: before.version },
        });
        return updated!;
      });
      // After the commit: a crash in between leaves the document queued, and start-up re-queues it.
      await ctx.services.queue.enqueue(
        'ingest-document',
        { documentId: doc.id, version: doc.version },
        { jobId: `${ingestJobId(doc.id, doc.version)}:reindex-${Date.now()}` },
      );
      return doc;
    },

    deleteDocument: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      const deleted = await audited(ctx, async (tx, record) => {
        const doc = await lockDocument(tx, id);
        const removed = await deleteDocumentChunks(tx, id);
        await tx.delete(documents).where(eq(documents.id, id));
        await record({
          action: 'document.delete',
          targetType: 'document',
          targetId: id,
          data: {
            title: doc.title,
            sourceKey: doc.sourceKey,
            collectionId: doc.collectionId,
            chunks: removed,
          },
        });
        return true;
      });
      // Its stored file, unless another document holds the same bytes (see db/document-files.ts).
      await ctx.services.documents.reclaimFiles();
      return deleted;
    },

    moveDocument: async (_parent, args, ctx) => {
      const input = parseInput(z.object({ id: idRule, collectionId: idRule }), args);
      return audited(ctx, async (tx, record) => {
        const doc = await lockDocument(tx, input.id);
        const target = await loadCollection(tx, input.collectionId);
        if (doc.collectionId !== target.id) {
          const [clash] = await tx
            .select({ id: documents.id })
            .from(documents)
            .where(and(eq(documents.collectionId, target.id), eq(documents.sourceKey, doc.sourceKey)));
          if (clash) {
            throw new AppError(
              'conflict',
              `"${target.name}" already holds a document with this source key.`,
              {
                localized: { key: 'errors.sourceKeyTaken', values: { collection: target.name } },
              },
            );
          }
          await tx
            .update(documents)
            .set({ collectionId: target.id, updatedAt: new Date() })
            .where(eq(documents.id, doc.id));
          await moveDocumentChunks(tx, doc.id, target.id);
        }
        const [from] = await tx
          .select({ name: collections.name })
          .from(collections)
          .where(eq(collections.id, doc.collectionId));
        await record({
          action: 'document.move',
          targetType: 'document',
          targetId: doc.id,
          data: { title: doc.title, from: from?.name ?? doc.collectionId, to: target.name },
        });
        const [moved] = await tx.select().from(documents).where(eq(documents.id, doc.id));
        return moved;
      });
    },
  },
  Subscription: {
    documentProgress: {
      subscribe: (_parent, args, ctx) => {
        const { documentId } = parseInput(z.object({ documentId: idRule.nullish() }), args);
        const feed = ctx.services.progressFeed;
        if (!feed)
          throw new AppError('unavailable', 'Live progress is not available in this process.', {
            localized: { key: 'errors.noLiveProgress' },
          });
        return new Repeater<DocumentProgressEvent>(async (push, stop) => {
          const unsubscribe = feed.subscribe((event) => {
            if (!documentId || event.documentId === documentId) void push(event);
          });
          await stop;
          unsubscribe();
        });
      },
      resolve: (event: DocumentProgressEvent) => event,
    },
  },
};
