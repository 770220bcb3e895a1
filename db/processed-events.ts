import { lt } from 'drizzle-orm';
import type { Platform, ProcessedEvents } from '#core';
import type { Db } from './client.ts';
import { processedEvents } from './schema.ts';

/** Event ids in `processed_events`: the primary key makes claiming atomic across processes. */
export function createProcessedEvents(db: Db): ProcessedEvents {
  async function claimAll(platform: Platform, eventIds: readonly string[]): Promise<boolean> {
    const ids = [...new Set(eventIds)];
    if (ids.length === 0) return true;
    const inserted = await db
      .insert(processedEvents)
      .values(ids.map((eventId) => ({ platform, eventId })))
      .onConflictDoNothing()
      .returning({ eventId: processedEvents.eventId });
    return inserted.length === ids.length;
  }
  return {
    claim: (platform, eventId) => claimAll(platform, [eventId]),
    claimAll,
  };
}

/** Platforms retry for minutes, not days: older ids can go. Returns how many were removed. */
export async function purgeProcessedEvents(db: Db, olderThan: Date): Promise<number> {
  const removed = await db
    .delete(processedEvents)
    .where(lt(processedEvents.receivedAt, olderThan))
    .returning({ eventId: processedEvents.eventId });
  return removed.length;
}
