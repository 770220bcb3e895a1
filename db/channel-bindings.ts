import { eq, sql } from 'drizzle-orm';
import type { ChannelBinding, ChannelBindings, Platform, ReplyMode } from '#core';
import { type Db, type Executor, rows } from './client.ts';
import { channelCollections, channels } from './schema.ts';

/**
 * Channel bindings: which collections a channel's answers may search. A binding stored without a
 * workspace id ('') matches the channel in any workspace (the CLI binds by channel id alone).
 */
export function createChannelBindings(db: Db): ChannelBindings {
  return {
    async find(location): Promise<ChannelBinding | null> {
      // One statement: the channel (its own workspace's row before a workspace-less one) with its collections.
      const [row] = await rows<{ reply_mode: ReplyMode; collection_ids: string[] | null }>(
        db,
        sql`select c.reply_mode,
                   array(select cc.collection_id::text from channel_collections cc where cc.channel_id = c.id)
                     as collection_ids
            from channels c
            where c.platform = ${location.platform} and c.external_id = ${location.channelId}
              and c.workspace_id in (${location.workspaceId}, '')
            order by c.workspace_id = ${location.workspaceId} desc
            limit 1`,
      );
      if (!row?.collection_ids || row.collection_ids.length === 0) return null;
      return { collectionIds: row.collection_ids, replyMode: row.reply_mode };
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
