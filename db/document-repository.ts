import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type {
  DocumentRepository,
  IndexedChunk,
  IngestProgress,
  NewUpload,
  StoredDocument,
  UploadOutcome,
} from '#core';
import { deleteDocumentChunks, writeDocumentChunks } from './chunk-index.ts';
import type { Db } from './client.ts';
import { documentFiles, documents } from './schema.ts';

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

export function createDocumentRepository(db: Db): DocumentRepository {
  return {
    async upsertUpload(upload: NewUpload): Promise<UploadOutcome> {
      return db.transaction(async (tx) => {
        const [existing] = await tx
          .select()
          .from(documents)
          .where(
            and(eq(documents.collectionId, upload.collectionId), eq(documents.sourceKey, upload.sourceKey)),
          )
          .for('update');
        const queued = { stage: 'queued', percent: 0 } satisfies IngestProgress;

        if (!existing) {
          const [row] = await tx
            .insert(documents)
            .values({
              collectionId: upload.collectionId,
              sourceKey: upload.sourceKey,
              title: upload.title,
              filename: upload.filename,
              sourceUrl: upload.sourceUrl ?? null,
              mimeType: upload.mimeType,
              sizeBytes: upload.bytes.byteLength,
              sha256: upload.sha256,
              version: 1,
              status: 'queued',
              progress: queued,
              uploadedBy: upload.uploadedBy,
            })
            .returning();
          await tx.insert(documentFiles).values({ documentId: row!.id, version: 1, bytes: upload.bytes });
          return { kind: 'created', document: toStored(row!) };
        }

        // Same bytes: nothing to do, unless the last attempt failed (it may have been a passing outage).
        if (existing.sha256 === upload.sha256 && existing.status !== 'failed') {
          return { kind: 'unchanged', document: toStored(existing) };
        }
        const sameBytes = existing.sha256 === upload.sha256;
        const version = sameBytes ? existing.version : existing.version + 1;
        const [row] = await tx
          .update(documents)
          .set({
            title: upload.title,
            filename: upload.filename,
            sourceUrl: upload.sourceUrl ?? existing.sourceUrl,
            mimeType: upload.mimeType,
            sizeBytes: upload.bytes.byteLength,
            sha256: upload.sha256,
            version,
            status: 'queued',
            progress: queued,
            error: null,
            uploadedBy: upload.uploadedBy ?? existing.uploadedBy,
            updatedAt: new Date(),
          })
          .where(eq(documents.id, existing.id))
          .returning();
        if (!sameBytes) {
          await tx.insert(documentFiles).values({ documentId: existing.id, version, bytes: upload.bytes });
        }
        return { kind: 'updated', document: toStored(row!) };
      });
    },

    async get(id) {
      const [row] = await db.select().from(documents).where(eq(documents.id, id));
      return row ? toStored(row) : null;
    },

    async readFile(id) {
      const [row] = await db
        .select({
          bytes: documentFiles.bytes,
          version: documentFiles.version,
          filename: documents.filename,
          mimeType: documents.mimeType,
        })
        .from(documents)
        .innerJoin(
          documentFiles,
          and(eq(documentFiles.documentId, documents.id), eq(documentFiles.version, documents.version)),
        )
        .where(eq(documents.id, id));
      if (!row) return null;
      return {
        bytes: new Uint8Array(row.bytes),
        filename: row.filename,
        mimeType: row.mimeType,
        version: row.version,
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

    async replaceChunks(
      id: string,
      version: number,
      embeddingModel: string,
      chunks: readonly IndexedChunk[],
    ) {
      return db.transaction(async (tx) => {
        const [doc] = await tx.select().from(documents).where(eq(documents.id, id)).for('update');
        // A newer upload arrived while this version was being processed: its own job will index it.
        if (!doc || doc.version !== version) return 'stale' as const;
        await writeDocumentChunks(tx, {
          documentId: id,
          collectionId: doc.collectionId,
          version,
          embeddingModel,
          chunks,
        });
        const now = new Date();
        await tx
          .update(documents)
          .set({
            status: 'ready',
            indexedVersion: version,
            chunkCount: chunks.length,
            error: null,
            progress: { stage: 'done', percent: 100 },
            indexedAt: now,
            updatedAt: now,
          })
          .where(eq(documents.id, id));
        // Older file versions are no longer needed once a newer one is indexed.
        await tx
          .delete(documentFiles)
          .where(and(eq(documentFiles.documentId, id), lt(documentFiles.version, version)));
        return 'stored' as const;
      });
    },

    async delete(id) {
      return db.transaction(async (tx) => {
        const [doc] = await tx
          .select({ id: documents.id })
          .from(documents)
          .where(eq(documents.id, id))
          .for('update');
        if (!doc) return false;
        await deleteDocumentChunks(tx, id);
        await tx.delete(documents).where(eq(documents.id, id));
        return true;
      });
    },

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
