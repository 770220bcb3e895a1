import { and, desc, eq, inArray } from 'drizzle-orm';
import type { ChannelBinding, ChannelBindings, Platform, ReplyMode } from '#core';
import type { Db, Executor } from './client.ts';
import { channelCollections, channels } from './schema.ts';

/**
 * Channel bindings: which collections a channel's answers may search. A binding stored without a
 * workspace id ('') matches the channel in any workspace (the CLI binds by channel id alone).
 */
export function createChannelBindings(db: Db): ChannelBindings {
  return {
    async find(location): Promise<ChannelBinding | null> {
      const rows = await db
        .select({ id: channels.id, replyMode: channels.replyMode, workspaceId: channels.workspaceId })
        .from(channels)
        .where(
          and(
            eq(channels.platform, location.platform),
            eq(channels.externalId, location.channelId),
            inArray(channels.workspaceId, [location.workspaceId, '']),
          ),
        )
        .orderBy(desc(channels.workspaceId));
      const channel = rows.find((r) => r.workspaceId === location.workspaceId) ?? rows[0];
      if (!channel) return null;
      const bound = await db
        .select({ collectionId: channelCollections.collectionId })
        .from(channelCollections)
        .where(eq(channelCollections.channelId, channel.id));
      if (bound.length === 0) return null;
      return { collectionIds: bound.map((b) => b.collectionId), replyMode: channel.replyMode };
    },
  };
}

export interface ChannelBindingInput {
  readonly platform: Platform;
  readonly workspaceId?: string;
  readonly channelId: string;
  readonly name?: string | null;
  readonly collectionIds: readonly string[];
  readonly replyMode?: ReplyMode;
}

/**
 * Binds a channel to exactly these collections (replacing earlier ones) and sets its reply mode.
 * Call inside the caller's transaction when it audits the change.
 */
export async function bindChannel(db: Executor, input: ChannelBindingInput): Promise<{ channelId: string }> {
  const [row] = await db
    .insert(channels)
    .values({
      platform: input.platform,
      workspaceId: input.workspaceId ?? '',
      externalId: input.channelId,
      name: input.name ?? null,
      replyMode: input.replyMode ?? 'mention',
    })
    .onConflictDoUpdate({
      target: [channels.platform, channels.workspaceId, channels.externalId],
      set: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.replyMode !== undefined ? { replyMode: input.replyMode } : {}),
        updatedAt: new Date(),
      },
    })
    .returning({ id: channels.id });
  const channelId = row!.id;
  await db.delete(channelCollections).where(eq(channelCollections.channelId, channelId));
  if (input.collectionIds.length > 0) {
    await db
      .insert(channelCollections)
      .values([...new Set(input.collectionIds)].map((collectionId) => ({ channelId, collectionId })));
  }
  return { channelId };
}
