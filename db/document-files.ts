/**
 * Which stored files the documents still need. A file in the directory store (db/directory-file-store.ts)
 * may be named by several document versions (the same bytes uploaded twice share it) and is removed when
 * the last row naming it goes: a deleted document, a deleted collection, an older version once a newer
 * one is indexed.
 *
 * Removing and keeping a file take the same per-hash advisory lock inside a transaction, so a file is
 * never removed between an upload's rename and its row's commit. (With PGlite, shared or not, transactions
 * already run one at a time; the lock is what makes it hold on PostgreSQL too.)
 */
import { eq, inArray, sql } from 'drizzle-orm';
import type { FileStore, ReceivedFile } from '#core';
import type { Db, Executor } from './client.ts';
import { documentFiles } from './schema.ts';

/** A 52-bit key from the hash: exact as a JS number, and spread like the hash. */
function lockKey(sha256: string): number {
  return Number.parseInt(sha256.slice(0, 13), 16);
}

async function lockFile(tx: Executor, sha256: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${lockKey(sha256)}::bigint)`);
}

/**
 * What a `document_files` row holds for a received file, made permanent under the file's lock: the bytes
 * (database store) or the file's hash (directory store). Call inside the row's transaction, in hash
 * order when there are several (PostgreSQL then queues instead of deadlocking).
 */
export async function keepFile(
  tx: Executor,
  files: FileStore,
  file: ReceivedFile,
): Promise<{ bytes: Uint8Array | null; fileSha256: string | null }> {
  if (files.kind === 'directory') await lockFile(tx, file.sha256);
  const bytes = await files.keep(file);
  return bytes ? { bytes, fileSha256: null } : { bytes: null, fileSha256: file.sha256 };
}

/** Removes the files among `hashes` that no row names any more. Returns how many went. */
export async function releaseFiles(
  db: Db,
  files: FileStore,
  hashes: Iterable<string | null>,
): Promise<number> {
  if (files.kind !== 'directory') return 0;
  let removed = 0;
  for (const sha256 of new Set([...hashes].filter((h): h is string => h !== null))) {
    const gone = await db.transaction(async (tx) => {
      await lockFile(tx, sha256);
      const [named] = await tx
        .select({ version: documentFiles.version })
        .from(documentFiles)
        .where(eq(documentFiles.fileSha256, sha256))
        .limit(1);
      if (named) return false;
      await files.remove(sha256);
      return true;
    });
    if (gone) removed += 1;
  }
  return removed;
}

const LOOKUP_BATCH = 500;

/**
 * The whole sweep: staged copies a killed process left, and kept files no row names (a crash between a
 * file's rename and its row's commit, or rows removed by a cascade). Returns how many files went.
 */
export async function sweepFiles(db: Db, files: FileStore): Promise<number> {
  if (files.kind !== 'directory') return 0;
  let removed = await files.removeAbandoned();
  const held = await files.list();
  for (let i = 0; i < held.length; i += LOOKUP_BATCH) {
    const batch = held.slice(i, i + LOOKUP_BATCH);
    const named = await db
      .selectDistinct({ sha256: documentFiles.fileSha256 })
      .from(documentFiles)
      .where(inArray(documentFiles.fileSha256, batch));
    const namedSet = new Set(named.map((row) => row.sha256));
    removed += await releaseFiles(
      db,
      files,
      batch.filter((sha256) => !namedSet.has(sha256)),
    );
  }
  return removed;
}

/** The files the versions of one document name (before they are removed). */
export async function filesOfDocument(db: Executor, documentId: string): Promise<(string | null)[]> {
  const rows = await db
    .select({ sha256: documentFiles.fileSha256 })
    .from(documentFiles)
    .where(eq(documentFiles.documentId, documentId));
  return rows.map((row) => row.sha256);
}
