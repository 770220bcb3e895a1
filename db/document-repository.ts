import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type {
  DocumentRepository,
  FileStore,
  IndexedChunk,
  IngestProgress,
  NewUpload,
  ReceivedFile,
  StoredDocument,
  UploadOutcome,
} from '#core';
import { deleteDocumentChunks, writeChunksOfDocuments } from './chunk-index.ts';
import type { Db } from './client.ts';
import { createDatabaseFileStore } from './database-file-store.ts';
import { filesOfDocument, keepFile, releaseFiles, sweepFiles } from './document-files.ts';
import { createGroupCommit } from './group-commit.ts';
import { createLargeWriteBudgets, storeLargeDocument } from './large-document-write.ts';
import { documentFiles, documents } from './schema.ts';
import { chunkWriteWeight, type WriteBudget, type WriteClock } from './write-budget.ts';

type DocumentRow = typeof documents.$inferSelect;

function toStored(row: DocumentRow): StoredDocument {
  return {
    id: row.id,
    collectionId: row.collectionId,
    title: row.title,
    sourceKey: row.sourceKey,
    sourceUrl: row.sourceUrl,
    mimeType: row.mimeType,
    sizeBytes: row.sizeBytes,
    sha256: row.sha256,
    version: row.version,
    indexedVersion: row.indexedVersion,
    status: row.status,
    progress: (row.progress as IngestProgress | null) ?? null,
    error: row.error,
    chunkCount: row.chunkCount,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

interface ChunkReplacement {
  readonly id: string;
  readonly version: number;
  readonly embeddingModel: string;
  readonly chunks: readonly IndexedChunk[];
}

/**
 * Stores several documents' chunks in one transaction. A document whose version moved on while it was
 * processed is 'stale' (a newer upload has its own job) and left untouched.
 */
async function storeChunksOfDocuments(
  db: Db,
  replacements: readonly ChunkReplacement[],
  budget: WriteBudget,
): Promise<('stored' | 'stale')[]> {
  return db.transaction(async (tx) => {
    const started = budget.now();
    // Locked in id order, so concurrent writers on Postgres queue instead of deadlocking.
    const locked = await tx
      .select({ id: documents.id, version: documents.version, collectionId: documents.collectionId })
      .from(documents)
      .where(inArray(documents.id, [...new Set(replacements.map((r) => r.id))]))
      .orderBy(documents.id)
      .for('update');
    const current = new Map(locked.map((row) => [row.id, row]));
    const fresh = replacements.filter((r) => current.get(r.id)?.version === r.version);
    if (fresh.length === 0) return replacements.map(() => 'stale' as const);

    await writeChunksOfDocuments(
      tx,
      fresh.map((r) => ({
        documentId: r.id,
        collectionId: current.get(r.id)!.collectionId,
        version: r.version,
        embeddingModel: r.embeddingModel,
        chunks: r.chunks,
      })),
    );
    const indexed = JSON.stringify(
      fresh.map((r) => ({ id: r.id, version: r.version, chunks: r.chunks.length })),
    );
    await tx.execute(sql`
      update documents d
      set status = 'ready', indexed_version = x.version, chunk_count = x.chunks, error = null,
          progress = '{"stage":"done","percent":100}'::jsonb, indexed_at = now(), updated_at = now()
      from jsonb_to_recordset(${indexed}::jsonb) as x(id uuid, version int, chunks int)
      where d.id = x.id`);
    // Older file versions are no longer needed once a newer one is indexed.
    await tx.execute(sql`
      delete from document_files f
      using jsonb_to_recordset(${indexed}::jsonb) as x(id uuid, version int, chunks int)
      where f.document_id = x.id and f.version < x.version`);
    budget.record(
      fresh.reduce((sum, r) => sum + replacementWeight(r), 0),
      budget.now() - started,
    );
    const stored = new Set(fresh);
    return replacements.map((r) => (stored.has(r) ? ('stored' as const) : ('stale' as const)));
  });
}

/** An upload whose file the FileStore has received. */
interface ReceivedUpload {
  readonly upload: NewUpload;
  readonly file: ReceivedFile;
  readonly sha256: string;
}

/**
 * Stores several uploads in one transaction: new documents (the usual case) with one insert for the
 * rows and one for the files; a source key seen before is updated or found unchanged, one by one.
 * Throws when two uploads in the batch share a source key (the group commit then stores them singly).
 */
async function storeUploads(
  db: Db,
  files: FileStore,
  received: readonly ReceivedUpload[],
): Promise<UploadOutcome[]> {
  const uploads = received.map((r) => r.upload);
  const keyOf = (collectionId: string, sourceKey: string) => JSON.stringify([collectionId, sourceKey]);
  const keys = uploads.map((upload) => keyOf(upload.collectionId, upload.sourceKey));
  if (new Set(keys).size !== keys.length) throw new Error('one source key twice in a batch of uploads');
  return db.transaction(async (tx) => {
    const existing = await tx
      .select()
      .from(documents)
      .where(
        or(
          ...uploads.map((upload) =>
            and(eq(documents.collectionId, upload.collectionId), eq(documents.sourceKey, upload.sourceKey)),
          ),
        ),
      )
      .orderBy(documents.id)
      .for('update');
    const existingByKey = new Map(existing.map((row) => [keyOf(row.collectionId, row.sourceKey), row]));
    const queued = { stage: 'queued', percent: 0 } satisfies IngestProgress;
    const outcomes = new Map<number, UploadOutcome>();

    const created = uploads.flatMap((upload, i) => (existingByKey.has(keys[i]!) ? [] : [{ upload, i }]));
    if (created.length > 0) {
      const inserted = await tx
        .insert(documents)
        .values(
          created.map(({ upload, i }) => ({
            collectionId: upload.collectionId,
            sourceKey: upload.sourceKey,
            title: upload.title,
            filename: upload.filename,
            sourceUrl: upload.sourceUrl ?? null,
            mimeType: upload.mimeType,
            sizeBytes: received[i]!.file.sizeBytes,
            sha256: received[i]!.sha256,
            version: 1,
            status: 'queued' as const,
            progress: queued,
            uploadedBy: upload.uploadedBy,
            ...(upload.sourceId ? { sourceId: upload.sourceId } : {}),
          })),
        )
        .returning();
      const idByKey = new Map(inserted.map((row) => [keyOf(row.collectionId, row.sourceKey), row]));
      // In hash order: the files' locks are then always taken in the same order.
      const kept = [];
      for (const { i } of [...created].sort((a, b) =>
        received[a.i]!.file.sha256.localeCompare(received[b.i]!.file.sha256),
      )) {
        kept.push({
          documentId: idByKey.get(keys[i]!)!.id,
          version: 1,
          ...(await keepFile(tx, files, received[i]!.file)),
        });
      }
      await tx.insert(documentFiles).values(kept);
      for (const { i } of created) {
        outcomes.set(i, { kind: 'created', document: toStored(idByKey.get(keys[i]!)!) });
      }
    }

    for (const [i, upload] of uploads.entries()) {
      const found = existingByKey.get(keys[i]!);
      if (!found) continue;
      const { sha256, file } = received[i]!;
      // Same bytes: nothing to do, unless the last attempt failed (it may have been a passing outage).
      if (found.sha256 === sha256 && found.status !== 'failed') {
        // A file renamed or moved at its source keeps its text but not its link: citations follow it.
        const moved =
          found.filename !== upload.filename ||
          (upload.sourceUrl !== undefined &&
            upload.sourceUrl !== null &&
            upload.sourceUrl !== found.sourceUrl);
        const [row] = moved
          ? await tx
              .update(documents)
              .set({
                filename: upload.filename,
                sourceUrl: upload.sourceUrl ?? found.sourceUrl,
                updatedAt: new Date(),
              })
              .where(eq(documents.id, found.id))
              .returning()
          : [found];
        outcomes.set(i, { kind: 'unchanged', document: toStored(row!) });
        continue;
      }
      const sameBytes = found.sha256 === sha256;
      const version = sameBytes ? found.version : found.version + 1;
      const [row] = await tx
        .update(documents)
        .set({
          title: upload.title,
          filename: upload.filename,
          sourceUrl: upload.sourceUrl ?? found.sourceUrl,
          mimeType: upload.mimeType,
          sizeBytes: file.sizeBytes,
          sha256,
          version,
          status: 'queued',
          progress: queued,
          error: null,
          uploadedBy: upload.uploadedBy ?? found.uploadedBy,
          updatedAt: new Date(),
        })
        .where(eq(documents.id, found.id))
        .returning();
      if (!sameBytes) {
        await tx
          .insert(documentFiles)
          .values({ documentId: found.id, version, ...(await keepFile(tx, files, file)) });
      }
      outcomes.set(i, { kind: 'updated', document: toStored(row!) });
    }
    return uploads.map((_, i) => outcomes.get(i)!);
  });
}

function replacementWeight(replacement: ChunkReplacement): number {
  return replacement.chunks.reduce((sum, chunk) => sum + chunkWriteWeight(chunk), 0);
}

/** How many documents' chunks are written in one transaction at most. */
const MAX_DOCUMENTS_PER_WRITE = 32;

export interface DocumentRepositoryOptions {
  /** How chunk writes are timed against their budget: 'thread-cpu' for PGlite on this thread. */
  readonly writeClock?: WriteClock;
  /** Where uploaded bytes are kept; default: in the database's rows. */
  readonly files?: FileStore;
  /** Where chunks are written: Database.background when there is one (asks go first), else `db`. */
  readonly writer?: Db | undefined;
}

export function createDocumentRepository(
  db: Db,
  { writeClock = 'wall', files = createDatabaseFileStore(), writer = db }: DocumentRepositoryOptions = {},
): DocumentRepository {
  // Uploads arriving, and ingestion jobs finishing, while a write is in progress are written together
  // by the next one.
  const storeUpload = createGroupCommit(
    (uploads: readonly ReceivedUpload[]) => storeUploads(db, files, uploads),
    { maxBatch: MAX_DOCUMENTS_PER_WRITE },
  );
  // One learned budget for every chunk write of this process: each transaction holds the database ~75 ms.
  const budgets = createLargeWriteBudgets(writeClock);
  const storeChunks = createGroupCommit(
    (replacements: readonly ChunkReplacement[]) =>
      storeChunksOfDocuments(writer, replacements, budgets.write),
    {
      maxBatch: MAX_DOCUMENTS_PER_WRITE,
      maxWeight: () => budgets.write.capacity(),
      weigh: replacementWeight,
    },
  );
  /** Settles once the last upload made so far has entered the group commit (see upsertUpload). */
  let entered: Promise<void> = Promise.resolve();
  return {
    async upsertUpload(upload: NewUpload): Promise<UploadOutcome> {
      // Bytes in hand are received here (written and fsynced beside the database, before the
      // transaction); a file the caller received is the caller's to discard. Files are written side by
      // side, but uploads enter the write in the order they were made: two uploads of one key, the
      // later one's small file written first, must still leave the later one current.
      const before = entered;
      let markEntered!: () => void;
      entered = new Promise<void>((resolve) => {
        markEntered = resolve;
      });
      let file: ReceivedFile;
      let stored: Promise<UploadOutcome>;
      try {
        file = upload.file ?? (await files.receive(upload.bytes));
        await before;
        stored = storeUpload({ upload, file, sha256: upload.file ? file.sha256 : upload.sha256 });
      } finally {
        markEntered();
      }
      try {
        return await stored;
      } catch (error) {
        // A transaction rolled back after the file was renamed into place leaves it named by no row.
        await releaseFiles(db, files, [file.sha256]).catch(() => {});
        throw error;
      } finally {
        if (!upload.file) await file.discard();
      }
    },

    async get(id) {
      const [row] = await db.select().from(documents).where(eq(documents.id, id));
      return row ? toStored(row) : null;
    },

    async getWithFile(id) {
      const [row] = await db
        .select({ document: documents, bytes: documentFiles.bytes, fileSha256: documentFiles.fileSha256 })
        .from(documents)
        .leftJoin(
          documentFiles,
          and(eq(documentFiles.documentId, documents.id), eq(documentFiles.version, documents.version)),
        )
        .where(eq(documents.id, id));
      if (!row) return null;
      const { document, fileSha256 } = row;
      // Rows written before files moved out of the database keep their bytes, and stay readable.
      const bytes = row.bytes ?? (fileSha256 ? await files.read(fileSha256) : null);
      return {
        document: toStored(document),
        file: bytes
          ? { bytes: new Uint8Array(bytes), filename: document.filename, mimeType: document.mimeType }
          : null,
      };
    },

    async setProgress(id, progress) {
      await db
        .update(documents)
        .set({
          progress,
          status: progress.stage === 'queued' ? 'queued' : 'processing',
          updatedAt: new Date(),
        })
        .where(and(eq(documents.id, id), inArray(documents.status, ['queued', 'processing'])));
    },

    async markFailed(id, version, error) {
      await db
        .update(documents)
        .set({ status: 'failed', error, progress: { stage: 'failed', percent: 100 }, updatedAt: new Date() })
        .where(and(eq(documents.id, id), eq(documents.version, version)));
    },

    async retitle(id, version, from, title) {
      await db
        .update(documents)
        .set({ title, updatedAt: new Date() })
        .where(and(eq(documents.id, id), eq(documents.version, version), eq(documents.title, from)));
    },

    async replaceChunks(id, version, embeddingModel, chunks) {
      // A document that fits one transaction's budget is written with others, atomically; a larger one
      // in parts.
      const replacement = { id, version, embeddingModel, chunks };
      // The older versions' files, which storing this one removes from the rows.
      const older =
        files.kind === 'directory' ? (await filesOfDocument(db, id)).filter((sha256) => sha256 !== null) : [];
      const stored =
        replacementWeight(replacement) <= budgets.write.capacity()
          ? await storeChunks(replacement)
          : await storeLargeDocument(writer, replacement, budgets);
      if (stored === 'stored') await releaseFiles(db, files, older);
      return stored;
    },

    async delete(id) {
      const held = await db.transaction(async (tx) => {
        const [doc] = await tx
          .select({ id: documents.id })
          .from(documents)
          .where(eq(documents.id, id))
          .for('update');
        if (!doc) return null;
        const named = await filesOfDocument(tx, id);
        await deleteDocumentChunks(tx, id);
        await tx.delete(documents).where(eq(documents.id, id));
        return named;
      });
      if (!held) return false;
      await releaseFiles(db, files, held);
      return true;
    },

    reclaimFiles: () => sweepFiles(db, files),

    async listUnfinished() {
      const rowsFound = await db
        .select()
        .from(documents)
        .where(inArray(documents.status, ['queued', 'processing']))
        .orderBy(documents.createdAt);
      return rowsFound.map(toStored);
    },
  };
}

/** Count of documents by status, for readiness summaries and the CLI. */
export async function countDocumentsByStatus(db: Db): Promise<Record<string, number>> {
  const result = await db
    .select({ status: documents.status, n: sql<number>`count(*)::int` })
    .from(documents)
    .groupBy(documents.status);
  return Object.fromEntries(result.map((r) => [r.status, r.n]));
}
