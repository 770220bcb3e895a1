/**
 * A write refused because the disk holding the database is full: Postgres's SQLSTATE 53100 (disk_full),
 * or the file system's ENOSPC from PGlite's files, possibly wrapped by drizzle ("Failed query: …") or a
 * job's error. Nothing is lost: the statement's transaction is rolled back, so what was stored before
 * stays, and the same work succeeds once space is freed.
 */
export function isDiskFullError(error: unknown): boolean {
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 5; depth++) {
    const code = (at as { code?: unknown }).code;
    if (code === '53100' || code === 'ENOSPC' || /No space left on device/i.test(at.message)) return true;
    at = at.cause;
  }
  return false;
}

/** What an uploader or an admin reads: what happened, that nothing was lost, and what to do. */
export const DISK_FULL_MESSAGE =
  "The server's disk is full, so this could not be saved. Nothing already stored was lost, and questions are still answered. Ask an administrator to free disk space, then try again.";
