/** Collections (document sets) and the groups that may read them. */
import type { IResolvers } from '@graphql-tools/utils';
import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { AppError } from '#core';
import { deleteDocumentChunks, type Executor, schema } from '#db';
import { type AdminContext, audited } from '../context.ts';
import { idRule, nameRule, optionalText, parseInput } from '../validation.ts';
import { assertGroupsExist } from './users.ts';

const { collections, collectionReaders, groups, documents, channels, channelCollections } = schema;
type CollectionRow = typeof collections.$inferSelect;

export const typeDefs = `
type Collection {
  id: ID!
  name: String!
  description: String
  "Readable by every user; otherwise only by readerGroups."
  everyone: Boolean!
  readerGroups: [Group!]!
  documentCount: Int!
  "Channels whose answers search this collection."
  channels: [Channel!]!
  createdAt: DateTime!
  updatedAt: DateTime!
}

type Query {
  collections: [Collection!]! @allow(roles: [admin, curator, auditor])
  collection(id: ID!): Collection @allow(roles: [admin, curator, auditor])
}

type Mutation {
  "everyone defaults to true when no readerGroupIds are given."
  createCollection(name: String!, description: String, everyone: Boolean, readerGroupIds: [ID!]): Collection! @allow(roles: [admin, curator])
  "readerGroupIds, when given, replaces the reader groups."
  updateCollection(id: ID!, name: String, description: String, everyone: Boolean, readerGroupIds: [ID!]): Collection! @allow(roles: [admin, curator])
  "Deletes a collection. One that holds documents is deleted only with deleteDocuments: true (then they go too, each audited); otherwise move them first."
  deleteCollection(id: ID!, deleteDocuments: Boolean): Boolean! @allow(roles: [admin, curator])
}
`;

export async function loadCollection(tx: Executor, id: string): Promise<CollectionRow> {
  const [row] = await tx.select().from(collections).where(eq(collections.id, id));
  if (!row)
    throw new AppError('not_found', 'No such collection.', { localized: { key: 'errors.noSuchCollection' } });
  return row;
}

async function assertNameFree(tx: Executor, name: string, id?: string): Promise<void> {
  const [row] = await tx.select({ id: collections.id }).from(collections).where(eq(collections.name, name));
  if (row && row.id !== id) {
    throw new AppError('conflict', 'A collection with this name exists.', {
      localized: { key: 'errors.collectionExists' },
      details: { fields: { name: 'is already taken' } },
    });
  }
}

async function setReaders(tx: Executor, collectionId: string, groupIds: readonly string[]): Promise<void> {
  await assertGroupsExist(tx, groupIds);
  await tx.delete(collectionReaders).where(eq(collectionReaders.collectionId, collectionId));
  if (groupIds.length) {
    await tx
      .insert(collectionReaders)
      .values([...new Set(groupIds)].map((groupId) => ({ collectionId, groupId })))
      .onConflictDoNothing();
  }
}

export const resolvers: IResolvers<unknown, AdminContext> = {
  Collection: {
    readerGroups: (collection: CollectionRow, _args, ctx) =>
      ctx.services.db
        .select({ group: groups })
        .from(collectionReaders)
        .innerJoin(groups, eq(groups.id, collectionReaders.groupId))
        .where(eq(collectionReaders.collectionId, collection.id))
        .orderBy(asc(groups.name))
        .then((rows) => rows.map((r) => r.group)),
    documentCount: async (collection: CollectionRow, _args, ctx) => {
      const [row] = await ctx.services.db
        .select({ n: sql<number>`count(*)::int` })
        .from(documents)
        .where(eq(documents.collectionId, collection.id));
      return row?.n ?? 0;
    },
    channels: (collection: CollectionRow, _args, ctx) =>
      ctx.services.db
        .select({ channel: channels })
        .from(channelCollections)
        .innerJoin(channels, eq(channels.id, channelCollections.channelId))
        .where(eq(channelCollections.collectionId, collection.id))
        .then((rows) => rows.map((r) => r.channel)),
  },
  Query: {
    collections: (_parent, _args, ctx) =>
      ctx.services.db.select().from(collections).orderBy(asc(collections.name)),
    collection: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      const [row] = await ctx.services.db.select().from(collections).where(eq(collections.id, id));
      return row ?? null;
    },
  },
  Mutation: {
    createCollection: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({
          name: nameRule,
          description: optionalText(1000),
          everyone: z.boolean().nullish(),
          readerGroupIds: z.array(idRule).max(100).nullish(),
        }),
        args,
      );
      const readerGroupIds = input.readerGroupIds ?? [];
      const everyone = input.everyone ?? readerGroupIds.length === 0;
      return audited(ctx, async (tx, record) => {
        await assertNameFree(tx, input.name);
        const [collection] = await tx
          .insert(collections)
          .values({ name: input.name, description: input.description, everyone })
          .returning();
        await setReaders(tx, collection!.id, readerGroupIds);
        await record({
          action: 'collection.create',
          targetType: 'collection',
          targetId: collection!.id,
          data: { name: input.name, everyone, readerGroupIds },
        });
        return collection;
      });
    },

    updateCollection: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({
          id: idRule,
          name: nameRule.nullish(),
          description: optionalText(1000).optional(),
          everyone: z.boolean().nullish(),
          readerGroupIds: z.array(idRule).max(100).nullish(),
        }),
        args,
      );
      return audited(ctx, async (tx, record) => {
        const before = await loadCollection(tx, input.id);
        if (input.name) await assertNameFree(tx, input.name, input.id);
        const patch = {
          ...(input.name ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(typeof input.everyone === 'boolean' ? { everyone: input.everyone } : {}),
        };
        const [collection] = await tx
          .update(collections)
          .set({ ...patch, updatedAt: new Date() })
          .where(eq(collections.id, input.id))
          .returning();
        if (input.readerGroupIds) await setReaders(tx, input.id, input.readerGroupIds);
        await record({
          action: 'collection.update',
          targetType: 'collection',
          targetId: input.id,
          data: {
            name: before.name,
            changes: { ...patch, ...(input.readerGroupIds ? { readerGroupIds: input.readerGroupIds } : {}) },
          },
        });
        return collection;
      });
    },

    deleteCollection: async (_parent, args, ctx) => {
      const { id, deleteDocuments } = parseInput(
        z.object({ id: idRule, deleteDocuments: z.boolean().nullish() }),
        args,
      );
      const deleted = await audited(ctx, async (tx, record) => {
        const collection = await loadCollection(tx, id);
        // A source would fill the collection again: it goes first (and with it its schedule).
        const feeding = await tx
          .select({ name: schema.sources.name })
          .from(schema.sources)
          .where(eq(schema.sources.collectionId, id));
        if (feeding.length > 0) {
          throw new AppError(
            'conflict',
            `The collection is kept in sync by ${feeding.map((s) => `“${s.name}”`).join(', ')}: delete that source first (Sources).`,
            {
              details: { sources: feeding.map((s) => s.name) },
              localized: {
                key: 'errors.collectionFedBySource',
                values: { sources: feeding.map((s) => `“${s.name}”`).join(', ') },
              },
            },
          );
        }
        const held = await tx
          .select({ id: documents.id, title: documents.title, sourceKey: documents.sourceKey })
          .from(documents)
          .where(eq(documents.collectionId, id))
          .for('update');
        if (held.length > 0 && !deleteDocuments) {
          throw new AppError(
            'conflict',
            `The collection still holds ${held.length} document${held.length === 1 ? '' : 's'}: move them first, or delete the collection with its documents.`,
            {
              details: { documentCount: held.length },
              localized: { key: 'errors.collectionNotEmpty', values: { count: held.length } },
            },
          );
        }
        // In the same transaction as the collection: a reader never sees a half-deleted collection.
        for (const doc of held) {
          const removed = await deleteDocumentChunks(tx, doc.id);
          await tx.delete(documents).where(eq(documents.id, doc.id));
          await record({
            action: 'document.delete',
            targetType: 'document',
            targetId: doc.id,
            data: {
              title: doc.title,
              sourceKey: doc.sourceKey,
              collectionId: id,
              chunks: removed,
              via: 'collection.delete',
            },
          });
        }
        await tx.delete(collections).where(eq(collections.id, id));
        await record({
          action: 'collection.delete',
          targetType: 'collection',
          targetId: id,
          data: { name: collection.name, documents: held.length },
        });
        return true;
      });
      // The deleted documents' stored files, now named by no row (after the commit, see document-files.ts).
      await ctx.services.documents.reclaimFiles();
      return deleted;
    },
  },
};
