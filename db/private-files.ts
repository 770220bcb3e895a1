/**
 * The database files hold every document's text (the WAL too), so DATA_DIR and DATA_DIR/pg are private
 * to their user (0700), as Postgres itself requires of its data directory, and the files in it 0600.
 * PGlite creates files with the process's umask (often 0666 in containers), so the files are tightened
 * at open and at close; files created in between sit in a directory no one else can enter.
 */
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

export function makePrivate(dataDir: string, dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  tightenTree(dir);
}

export function tightenTree(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isDirectory()) chmodSync(full, 0o700);
    else if (entry.isFile()) chmodSync(full, 0o600);
  }
}
