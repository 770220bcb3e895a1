import { and, eq, exists, inArray, or, sql } from 'drizzle-orm';
import type { Executor } from './client.ts';
import { collectionReaders, collections, memberships } from './schema.ts';

export const GENERAL_COLLECTION = 'general';

export type CollectionRow = typeof collections.$inferSelect;

export async function findCollectionByName(db: Executor, name: string): Promise<CollectionRow | null> {
  const [row] = await db.select().from(collections).where(eq(collections.name, name));
  return row ?? null;
}

/** Returns the named collection, creating it when missing (`everyone` applies only on creation). */
export async function ensureCollection(
  db: Executor,
  input: { name: string; everyone: boolean; description?: string | null; readerGroupIds?: readonly string[] },
): Promise<{ collection: CollectionRow; created: boolean }> {
  const existing = await findCollectionByName(db, input.name);
  if (existing) return { collection: existing, created: false };
  const [row] = await db
    .insert(collections)
    .values({ name: input.name, everyone: input.everyone, description: input.description ?? null })
    .onConflictDoNothing()
    .returning();
  if (!row) return { collection: (await findCollectionByName(db, input.name))!, created: false };
  if (input.readerGroupIds?.length) {
    await db
      .insert(collectionReaders)
      .values(input.readerGroupIds.map((groupId) => ({ collectionId: row.id, groupId })))
      .onConflictDoNothing();
  }
  return { collection: row, created: true };
}

/** The access policy for one collection: readable by everyone, or by a group the user is in. */
export async function canReadCollection(
  db: Executor,
  userId: string,
  collectionId: string,
): Promise<boolean> {
  const result = await db
    .select({ id: collections.id })
    .from(collections)
    .where(
      and(
        eq(collections.id, collectionId),
        or(
          eq(collections.everyone, true),
          exists(
            db
              .select({ one: sql`1` })
              .from(collectionReaders)
              .innerJoin(memberships, eq(memberships.groupId, collectionReaders.groupId))
              .where(and(eq(collectionReaders.collectionId, collections.id), eq(memberships.userId, userId))),
          ),
        ),
      ),
    );
  return result.length > 0;
}

/** Resolves collection names or ids; returns the ids in order and the names that matched nothing. */
export async function resolveCollectionRefs(
  db: Executor,
  refs: readonly string[],
): Promise<{ ids: string[]; unknown: string[] }> {
  const uuidLike = refs.filter((r) => /^[0-9a-f-]{36}$/i.test(r));
  const found = await db
    .select({ id: collections.id, name: collections.name })
    .from(collections)
    .where(
      or(
        inArray(collections.name, [...refs]),
        uuidLike.length ? inArray(collections.id, uuidLike) : sql`false`,
      ),
    );
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const ref of refs) {
    const hit = found.find((c) => c.name === ref || c.id === ref);
    if (hit) ids.push(hit.id);
    else unknown.push(ref);
  }
  return { ids, unknown };
}
