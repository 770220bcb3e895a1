/**
 * A large document's chunks are written in parts, each in its own short transaction, with a turn of the
 * event loop between them. The embedded database runs on the thread that serves HTTP and chat, and one
 * transaction holds it whole: a 5 MB CSV (12k chunks) written at once held it for minutes, so every ask
 * waited. Each part carries what the write budget (db/write-budget.ts) says fits in ~75 ms.
 *
 * What this gives up: while it runs, the document's new chunks become searchable part by part (beside the
 * previous version's, which are removed just before it is marked ready); the access policy is unchanged,
 * since every part carries the document's collection. A crash mid-way leaves parts of this version, which
 * the next attempt clears first.
 */
import { eq, sql } from 'drizzle-orm';
import type { IndexedChunk } from '#core';
import { removeDocumentChunksBatch, writeChunksOfDocuments } from './chunk-index.ts';
import type { Db, Executor } from './client.ts';
import { documents } from './schema.ts';
import {
  chunkWriteWeight,
  createWriteBudget,
  DEFAULT_WRITE_BUDGET,
  type WriteBudget,
  type WriteClock,
} from './write-budget.ts';

export interface LargeDocumentWrite {
  readonly id: string;
  readonly version: number;
  readonly embeddingModel: string;
  readonly chunks: readonly IndexedChunk[];
}

/** The chunks from `start` whose weight fits `capacity` (at least one). */
export function nextPart(chunks: readonly IndexedChunk[], start: number, capacity: number): IndexedChunk[] {
  let end = start;
  let weight = 0;
  while (end < chunks.length) {
    weight += chunkWriteWeight(chunks[end]!);
    if (end > start && weight > capacity) break;
    end++;
  }
  return chunks.slice(start, end);
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The document's collection while `version` is still its current version (row locked), else null. */
async function lockCurrent(tx: Executor, id: string, version: number): Promise<string | null> {
  const [row] = await tx
    .select({ version: documents.version, collectionId: documents.collectionId })
    .from(documents)
    .where(eq(documents.id, id))
    .for('update');
  return row?.version === version ? row.collectionId : null;
}

export interface LargeWriteBudgets {
  /** Chunk writes, weighed by chunkWriteWeight. */
  readonly write: WriteBudget;
  /** Chunk removals, counted in chunks. */
  readonly removal: WriteBudget;
}

export function createLargeWriteBudgets(clock: WriteClock): LargeWriteBudgets {
  return {
    write: createWriteBudget({ ...DEFAULT_WRITE_BUDGET, clock }),
    // A removed chunk (postings, vector, row) takes ~2 ms at first guess.
    removal: createWriteBudget({ budgetMs: 75, initialMsPerUnit: 2, minWeight: 1, maxWeight: 192, clock }),
  };
}

/** Removes the document's chunks of (or other than) `version`, one short transaction per batch. */
async function clearChunks(
  db: Db,
  { id, version, which }: { id: string; version: number; which: 'only' | 'except' },
  budget: WriteBudget,
): Promise<void> {
  for (;;) {
    const limit = budget.capacity();
    const removed = await db.transaction(async (tx) => {
      const started = budget.now();
      const n = await removeDocumentChunksBatch(tx, { documentId: id, version, which, limit });
      budget.record(n, budget.now() - started);
      return n;
    });
    if (removed === 0) return;
    await nextTurn();
  }
}

export async function storeLargeDocument(
  db: Db,
  write: LargeDocumentWrite,
  budgets: LargeWriteBudgets,
): Promise<'stored' | 'stale'> {
  const { id, version } = write;
  const budget = budgets.write;
  await clearChunks(db, { id, version, which: 'only' }, budgets.removal);
  for (let start = 0; start < write.chunks.length; ) {
    await nextTurn();
    const part = nextPart(write.chunks, start, budget.capacity());
    start += part.length;
    const written = await db.transaction(async (tx) => {
      const started = budget.now();
      const collectionId = await lockCurrent(tx, id, version);
      if (collectionId === null) return false;
      await writeChunksOfDocuments(
        tx,
        [{ documentId: id, collectionId, version, embeddingModel: write.embeddingModel, chunks: part }],
        'append',
      );
      budget.record(
        part.reduce((sum, chunk) => sum + chunkWriteWeight(chunk), 0),
        budget.now() - started,
      );
      return true;
    });
    if (!written) {
      await clearChunks(db, { id, version, which: 'only' }, budgets.removal);
      return 'stale';
    }
  }
  await clearChunks(db, { id, version, which: 'except' }, budgets.removal);
  return db.transaction(async (tx) => {
    if ((await lockCurrent(tx, id, version)) === null) return 'stale';
    await tx.execute(sql`
      update documents
      set status = 'ready', indexed_version = ${version}, chunk_count = ${write.chunks.length}, error = null,
          progress = '{"stage":"done","percent":100}'::jsonb, indexed_at = now(), updated_at = now()
      where id = ${id}`);
    await tx.execute(sql`delete from document_files where document_id = ${id} and version < ${version}`);
    return 'stored';
  });
}
