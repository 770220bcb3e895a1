/** Connector sources, their runs and items (core/connectors/source-store.ts), and document readers. */
import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type {
  SourceItemRecord,
  SourceRun,
  SourceState,
  SourceStore,
  StoredSource,
} from '../core/connectors/source-store.ts';
import type { Db } from './client.ts';
import { documentReaders, documents, sourceItems, sources } from './schema.ts';

type SourceRow = typeof sources.$inferSelect;

export function toStoredSource(row: SourceRow): StoredSource {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    collectionId: row.collectionId,
    config: row.config,
    sealedSecret: row.secret,
    scheduleMinutes: row.scheduleMinutes,
    paused: row.paused,
    cursor: row.cursor,
    runNumber: row.runNumber,
    state: row.state as SourceState,
    lastRun: row.lastRun ?? null,
    leaseExpiresAt: row.leaseOwner ? row.leaseExpiresAt : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function emptyRun(number: number): SourceRun {
  return {
    number,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    added: 0,
    changed: 0,
    unchanged: 0,
    deleted: 0,
    failed: 0,
    failures: [],
    error: null,
  };
}

/** The database's clock decides, so processes whose clocks differ still agree on who holds a source. */
const leaseEnd = (ttlMs: number) => sql`now() + ${`${Math.ceil(ttlMs)} milliseconds`}::interval`;

export function createSourceStore(db: Db): SourceStore {
  return {
    async get(id) {
      const [row] = await db.select().from(sources).where(eq(sources.id, id));
      return row ? toStoredSource(row) : null;
    },

    async list() {
      const found = await db.select().from(sources).orderBy(sources.name);
      return found.map(toStoredSource);
    },

    async acquireLease(id, owner, ttlMs) {
      // One statement, so two processes racing for an expired lease cannot both win it.
      const taken = await db
        .update(sources)
        .set({ leaseOwner: owner, leaseExpiresAt: leaseEnd(ttlMs) })
        .where(
          and(
            eq(sources.id, id),
            or(
              isNull(sources.leaseOwner),
              eq(sources.leaseOwner, owner),
              lt(sources.leaseExpiresAt, sql`now()`),
            ),
          ),
        )
        .returning({ id: sources.id });
      return taken.length > 0;
    },

    async renewLease(id, owner, ttlMs) {
      const renewed = await db
        .update(sources)
        .set({ leaseExpiresAt: leaseEnd(ttlMs) })
        .where(and(eq(sources.id, id), eq(sources.leaseOwner, owner)))
        .returning({ id: sources.id });
      return renewed.length > 0;
    },

    async releaseLease(id, owner) {
      await db
        .update(sources)
        .set({ leaseOwner: null, leaseExpiresAt: null })
        .where(and(eq(sources.id, id), eq(sources.leaseOwner, owner)));
    },

    async startRun(id) {
      return db.transaction(async (tx) => {
        const [row] = await tx.select().from(sources).where(eq(sources.id, id)).for('update');
        if (!row) throw new Error(`source ${id} does not exist`);
        const previous = row.lastRun ?? null;
        if (
          row.state === 'running' &&
          previous &&
          previous.number === row.runNumber &&
          !previous.finishedAt
        ) {
          return { run: previous, cursor: row.cursor, resumed: true };
        }
        const run = emptyRun(row.runNumber + 1);
        await tx
          .update(sources)
          .set({ runNumber: run.number, state: 'running', lastRun: run, updatedAt: new Date() })
          .where(eq(sources.id, id));
        return { run, cursor: row.cursor, resumed: false };
      });
    },

    async saveRun(id, run, cursor) {
      await db
        .update(sources)
        .set({ lastRun: run, ...(cursor === undefined ? {} : { cursor }), updatedAt: new Date() })
        .where(eq(sources.id, id));
    },

    async finishRun(id, run, cursor, state) {
      await db
        .update(sources)
        .set({ lastRun: run, cursor, state, updatedAt: new Date() })
        .where(eq(sources.id, id));
    },

    async findItem(sourceId, externalId) {
      const [row] = await db
        .select()
        .from(sourceItems)
        .where(and(eq(sourceItems.sourceId, sourceId), eq(sourceItems.externalId, externalId)));
      return row ? { version: row.version, state: row.state ?? null, documentId: row.documentId } : null;
    },

    async findItems(sourceId, externalIds) {
      const found = new Map<string, SourceItemRecord>();
      // In slices: one statement's parameters stay well below PostgreSQL's 65,535.
      for (let at = 0; at < externalIds.length; at += 1000) {
        const slice = [...new Set(externalIds.slice(at, at + 1000))];
        const rows = await db
          .select()
          .from(sourceItems)
          .where(and(eq(sourceItems.sourceId, sourceId), inArray(sourceItems.externalId, slice)));
        for (const row of rows) {
          found.set(row.externalId, {
            version: row.version,
            state: row.state ?? null,
            documentId: row.documentId,
          });
        }
      }
      return found;
    },

    async saveItem(sourceId, item, run) {
      const values = {
        sourceId,
        externalId: item.externalId,
        version: item.version,
        state: item.state ? { ...item.state } : null,
        documentId: item.documentId,
        seenRun: run,
      };
      await db
        .insert(sourceItems)
        .values(values)
        .onConflictDoUpdate({
          target: [sourceItems.sourceId, sourceItems.externalId],
          set: { version: values.version, state: values.state, documentId: values.documentId, seenRun: run },
        });
    },

    async markSeen(sourceId, externalIds, run) {
      if (externalIds.length === 0) return;
      await db
        .update(sourceItems)
        .set({ seenRun: run })
        .where(and(eq(sourceItems.sourceId, sourceId), inArray(sourceItems.externalId, [...externalIds])));
    },

    async listUnseen(sourceId, sinceRun) {
      return db
        .select({
          externalId: sourceItems.externalId,
          documentId: sourceItems.documentId,
          seenRun: sourceItems.seenRun,
        })
        .from(sourceItems)
        .where(and(eq(sourceItems.sourceId, sourceId), lt(sourceItems.seenRun, sinceRun)));
    },

    async deleteItem(sourceId, externalId) {
      await db
        .delete(sourceItems)
        .where(and(eq(sourceItems.sourceId, sourceId), eq(sourceItems.externalId, externalId)));
    },

    async setDocumentReaders(documentId, readers) {
      // One transaction: the retrieval SQL never sees a restricted document without its readers.
      await db.transaction(async (tx) => {
        await tx.delete(documentReaders).where(eq(documentReaders.documentId, documentId));
        const rowsToAdd = readers
          ? [...new Set(readers.emails.map((email) => email.trim().toLowerCase()).filter(Boolean))].map(
              (value) => ({ documentId, kind: 'email' as const, value }),
            )
          : [];
        const groupRows = readers
          ? [...new Set(readers.groups.map((group) => group.trim()).filter(Boolean))].map((value) => ({
              documentId,
              kind: 'group' as const,
              value,
            }))
          : [];
        if (rowsToAdd.length + groupRows.length > 0) {
          await tx.insert(documentReaders).values([...rowsToAdd, ...groupRows]);
        }
        await tx
          .update(documents)
          .set({ restricted: readers !== null })
          .where(eq(documents.id, documentId));
      });
    },

    async claimDocument(documentId, sourceId) {
      await db
        .update(documents)
        .set({ sourceId })
        .where(and(eq(documents.id, documentId), sql`${documents.sourceId} is distinct from ${sourceId}`));
    },
  };
}
