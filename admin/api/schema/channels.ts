/** Channel bindings: a Slack or Teams channel → the collections its answers may search, and the reply mode. */
import type { IResolvers } from '@graphql-tools/utils';
import { and, asc, eq, inArray, or } from 'drizzle-orm';
import { z } from 'zod';
import { AppError, chatPlatformSetup, PLATFORMS, quoteUnknown } from '#core';
import { bindChannel, schema } from '#db';
import { type AdminContext, audited } from '../context.ts';
import { idRule, optionalText, parseInput } from '../validation.ts';

const { channels, channelCollections, collections } = schema;
type ChannelRow = typeof channels.$inferSelect;

export const typeDefs = `
type Channel {
  id: ID!
  platform: Platform!
  "Slack team id or Teams tenant id; empty when the platform has none."
  workspaceId: String!
  "The platform's channel id (Slack C0123…, a Teams conversation id)."
  channelId: String!
  name: String
  replyMode: ReplyMode!
  collections: [Collection!]!
  createdAt: DateTime!
  updatedAt: DateTime!
}

type ChatPlatforms {
  slack: PlatformStatus!
  teams: PlatformStatus!
}

type Query {
  channels(platform: Platform): [Channel!]! @allow(roles: [admin, curator])
  "Whether Slack and Teams are on in this install, so the binding form can say when a binding would do nothing yet."
  chatPlatforms: ChatPlatforms! @allow(roles: [admin, curator])
}

type Mutation {
  "Binds a channel to collections (by id or name), replacing its previous bindings."
  bindChannel(platform: Platform!, channelId: String!, workspaceId: String, name: String, collectionIds: [ID!], collections: [String!], replyMode: ReplyMode): Channel! @allow(roles: [admin, curator])
  "Removes the channel's bindings: it then gets a hint instead of answers."
  unbindChannel(id: ID!): Boolean! @allow(roles: [admin, curator])
}
`;

export const resolvers: IResolvers<unknown, AdminContext> = {
  Channel: {
    channelId: (channel: ChannelRow) => channel.externalId,
    collections: (channel: ChannelRow, _args, ctx) =>
      ctx.services.db
        .select({ collection: collections })
        .from(channelCollections)
        .innerJoin(collections, eq(collections.id, channelCollections.collectionId))
        .where(eq(channelCollections.channelId, channel.id))
        .orderBy(asc(collections.name))
        .then((rows) => rows.map((r) => r.collection)),
  },
  Query: {
    chatPlatforms: (_parent, _args, ctx) => chatPlatformSetup(ctx.services.config),
    channels: async (_parent, args, ctx) => {
      const { platform } = parseInput(z.object({ platform: z.enum(PLATFORMS).nullish() }), args);
      return ctx.services.db
        .select()
        .from(channels)
        .where(platform ? eq(channels.platform, platform) : undefined)
        .orderBy(asc(channels.platform), asc(channels.name), asc(channels.externalId));
    },
  },
  Mutation: {
    bindChannel: async (_parent, args, ctx) => {
      const input = parseInput(
        z
          .object({
            platform: z.enum(PLATFORMS),
            channelId: z.string().trim().min(1, 'must not be empty').max(300),
            workspaceId: z
              .string()
              .trim()
              .max(300)
              .nullish()
              .transform((v) => v ?? ''),
            name: optionalText(300),
            collectionIds: z.array(idRule).max(100).nullish(),
            collections: z.array(z.string().trim().min(1).max(200)).max(100).nullish(),
            replyMode: z.enum(['mention', 'all']).nullish(),
          })
          .refine((v) => (v.collectionIds?.length ?? 0) + (v.collections?.length ?? 0) > 0, {
            message: 'name at least one collection (collectionIds or collections)',
            path: ['collectionIds'],
          }),
        args,
      );
      return audited(ctx, async (tx, record) => {
        const ids = input.collectionIds ?? [];
        const names = input.collections ?? [];
        const found = await tx
          .select({ id: collections.id, name: collections.name })
          .from(collections)
          .where(
            or(
              ids.length ? inArray(collections.id, ids) : undefined,
              names.length ? inArray(collections.name, names) : undefined,
            ),
          );
        const unknown = [
          ...ids.filter((id) => !found.some((c) => c.id === id)),
          ...names.filter((n) => !found.some((c) => c.name === n)),
        ];
        if (unknown.length) {
          const named = quoteUnknown(unknown);
          throw new AppError('invalid_input', `Invalid input. collections: unknown ${named}`, {
            details: { fields: { collections: `unknown collection(s): ${named}` } },
          });
        }
        const bound = await bindChannel(tx, {
          platform: input.platform,
          workspaceId: input.workspaceId,
          channelId: input.channelId,
          ...(input.name ? { name: input.name } : {}),
          ...(input.replyMode ? { replyMode: input.replyMode } : {}),
          collectionIds: found.map((c) => c.id),
        });
        const [channel] = await tx.select().from(channels).where(eq(channels.id, bound.channelId));
        await record({
          action: 'channel.bind',
          targetType: 'channel',
          targetId: channel!.id,
          data: {
            platform: input.platform,
            workspaceId: input.workspaceId,
            channelId: input.channelId,
            replyMode: channel!.replyMode,
            collections: found.map((c) => c.name).sort(),
          },
        });
        return channel;
      });
    },

    unbindChannel: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      return audited(ctx, async (tx, record) => {
        const [channel] = await tx
          .delete(channels)
          .where(and(eq(channels.id, id)))
          .returning();
        if (!channel)
          throw new AppError('not_found', 'No such channel.', { localized: { key: 'errors.noSuchChannel' } });
        await record({
          action: 'channel.unbind',
          targetType: 'channel',
          targetId: id,
          data: { platform: channel.platform, channelId: channel.externalId },
        });
        return true;
      });
    },
  },
};
