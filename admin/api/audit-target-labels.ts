/**
 * What an audit event's target is called: a document's title, a collection's or group's name, a user's e-mail,
 * an API key's name, a channel's name. The log stores ids (names change, and the chain must not); readers want
 * names. One query per target type for a whole page of events. A target deleted since is named from what the
 * event recorded at the time (its data), else it has no label and the console shows the id.
 */
import { inArray, sql } from 'drizzle-orm';
import type { AnyPgTable, PgColumn } from 'drizzle-orm/pg-core';
import { type Executor, schema } from '#db';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface LabelledEvent {
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly data: unknown;
}

type Lookup = (db: Executor, ids: string[]) => Promise<{ id: string; label: string }[]>;

/** A target whose label is one column of its row. */
function byColumn(table: AnyPgTable, id: PgColumn, label: PgColumn): Lookup {
  return (db, ids) =>
    db
      .select({ id: sql<string>`${id}`, label: sql<string>`${label}` })
      .from(table)
      .where(inArray(id, ids));
}

const LOOKUPS: Record<string, Lookup> = {
  document: byColumn(schema.documents, schema.documents.id, schema.documents.title),
  collection: byColumn(schema.collections, schema.collections.id, schema.collections.name),
  user: byColumn(schema.users, schema.users.id, schema.users.email),
  group: byColumn(schema.groups, schema.groups.id, schema.groups.name),
  api_key: byColumn(schema.apiKeys, schema.apiKeys.id, schema.apiKeys.name),
  channel: async (db, ids) =>
    (
      await db
        .select({
          id: schema.channels.id,
          name: schema.channels.name,
          externalId: schema.channels.externalId,
        })
        .from(schema.channels)
        .where(inArray(schema.channels.id, ids))
    ).map((row) => ({ id: row.id, label: row.name ?? row.externalId })),
};

/** The name the event itself recorded, for a target that no longer exists. */
function recordedLabel(data: unknown): string | null {
  if (!data || typeof data !== 'object') return null;
  const record = data as Record<string, unknown>;
  for (const field of ['title', 'name', 'email', 'channelId']) {
    const value = record[field];
    if (typeof value === 'string' && value.trim()) return value;
  }
  return null;
}

/** Each event with `targetLabel`: the target's current name, else the one recorded, else null. */
export async function withTargetLabels<T extends LabelledEvent>(
  db: Executor,
  events: readonly T[],
): Promise<(T & { targetLabel: string | null })[]> {
  const wanted = new Map<string, Set<string>>();
  for (const event of events) {
    if (!event.targetType || !event.targetId || !LOOKUPS[event.targetType] || !UUID.test(event.targetId))
      continue;
    const ids = wanted.get(event.targetType) ?? new Set<string>();
    ids.add(event.targetId);
    wanted.set(event.targetType, ids);
  }
  const found = new Map<string, string>();
  await Promise.all(
    [...wanted].map(async ([type, ids]) => {
      const lookup = LOOKUPS[type];
      if (!lookup) return;
      for (const row of await lookup(db, [...ids])) found.set(`${type}:${row.id}`, row.label);
    }),
  );
  return events.map((event) => ({
    ...event,
    targetLabel:
      (event.targetType && event.targetId ? found.get(`${event.targetType}:${event.targetId}`) : undefined) ??
      (event.targetType ? recordedLabel(event.data) : null),
  }));
}
