/**
 * A large document's chunks are written in parts, each in its own short transaction, with a turn of the
 * event loop between them. The embedded database runs on the thread that serves HTTP and chat, and one
 * transaction holds it whole: a 5 MB CSV (12k chunks) written at once held it for minutes, so every ask
 * waited. Parts of `CHUNKS_PER_PART` chunks (or fewer, when their terms are many) keep each hold short.
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

/** Most chunks in one transaction; ~50-150 ms in PGlite for prose (HNSW inserts dominate). */
export const CHUNKS_PER_PART = 48;
/** Most postings (distinct terms per chunk, summed) in one transaction: UUID-heavy CSV rows have hundreds. */
const POSTINGS_PER_PART = 6000;

export interface LargeDocumentWrite {
  readonly id: string;
  readonly version: number;
  readonly embeddingModel: string;
  readonly chunks: readonly IndexedChunk[];
}

/** Splits chunks into parts bounded in count and postings. */
export function splitIntoParts(chunks: readonly IndexedChunk[]): IndexedChunk[][] {
  const parts: IndexedChunk[][] = [];
  let part: IndexedChunk[] = [];
  let postings = 0;
  for (const chunk of chunks) {
    const terms = chunk.lexical.terms.size;
    if (part.length > 0 && (part.length >= CHUNKS_PER_PART || postings + terms > POSTINGS_PER_PART)) {
      parts.push(part);
      part = [];
      postings = 0;
    }
    part.push(chunk);
    postings += terms;
  }
  if (part.length > 0) parts.push(part);
  return parts;
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

/** Removes the document's chunks of (or other than) `version`, one short transaction per batch. */
async function clearChunks(db: Db, id: string, version: number, which: 'only' | 'except'): Promise<void> {
  for (;;) {
    const removed = await db.transaction((tx) =>
      removeDocumentChunksBatch(tx, { documentId: id, version, which, limit: CHUNKS_PER_PART * 4 }),
    );
    if (removed === 0) return;
    await nextTurn();
  }
}

export async function storeLargeDocument(db: Db, write: LargeDocumentWrite): Promise<'stored' | 'stale'> {
  const { id, version } = write;
  await clearChunks(db, id, version, 'only');
  for (const part of splitIntoParts(write.chunks)) {
    await nextTurn();
    const written = await db.transaction(async (tx) => {
      const collectionId = await lockCurrent(tx, id, version);
      if (collectionId === null) return false;
      await writeChunksOfDocuments(
        tx,
        [{ documentId: id, collectionId, version, embeddingModel: write.embeddingModel, chunks: part }],
        'append',
      );
      return true;
    });
    if (!written) {
      await clearChunks(db, id, version, 'only');
      return 'stale';
    }
  }
  await clearChunks(db, id, version, 'except');
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
