/**
 * The one database client factory: embedded PGlite (+ pgvector) persisted in DATA_DIR by default, or
 * postgres.js when DATABASE_URL is set. Everything above this file sees the same drizzle database.
 */
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { type SQL, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A database or a transaction handle: inside a transaction, always use the handle. */
export type Executor = Pick<Db, 'execute' | 'select' | 'insert' | 'update' | 'delete' | 'transaction'>;

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface OpenDatabaseOptions {
  /** postgres:// URL; when absent, embedded PGlite is used. */
  readonly url?: string | undefined;
  /** PGlite data directory; `memory://` (the default when absent) keeps it in memory. */
  readonly dataDir?: string | undefined;
  readonly poolSize?: number | undefined;
  /** Connect `url` through this Unix socket instead of TCP (the embedded database shared with workers). */
  readonly socketPath?: string | undefined;
  /** Apply committed migrations before returning (default true). */
  readonly migrate?: boolean | undefined;
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const database = options.url
    ? openPostgres(options.url, options.poolSize ?? 10, options.socketPath)
    : await openPglite(options.dataDir);
  if (options.migrate !== false) await migrateDatabase(database, options.url, options.socketPath);
  return database;
}

/**
 * The database files hold every document's text (the WAL too), so DATA_DIR and DATA_DIR/pg are private
 * to their user (0700), as Postgres itself requires of its data directory, and the files in it 0600.
 * PGlite creates files with the process's umask (often 0666 in containers), so the files are tightened
 * at open and at close; files created in between sit in a directory no one else can enter.
 */
function makePrivate(dataDir: string, dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  tightenTree(dir);
}

function tightenTree(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isDirectory()) chmodSync(full, 0o700);
    else if (entry.isFile()) chmodSync(full, 0o600);
  }
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const dir = dataDir && dataDir !== 'memory://' ? path.resolve(dataDir, 'pg') : undefined;
  if (dir) makePrivate(path.resolve(dataDir!), dir);
  const client = await PGlite.create(dir ?? 'memory://', { extensions: { vector } });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      if (!client.closed) await client.close();
      if (dir) tightenTree(dir);
    },
  };
}

function openPostgres(url: string, poolSize: number, socketPath: string | undefined): Database {
  const client = postgres(url, {
    max: poolSize,
    ...(socketPath ? { path: socketPath } : {}),
    onnotice: () => {},
    // pgvector values come back as text; drizzle's column types parse them.
    connection: { application_name: 'ex-gpt' },
  });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    ping: async () => {
      await client`select 1`;
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
}

async function migrateDatabase(
  database: Database,
  url: string | undefined,
  socketPath?: string,
): Promise<void> {
  if (database.kind === 'pglite') {
    await database.db.execute(sql`create extension if not exists vector`);
    await migratePglite(database.db as never, { migrationsFolder });
    return;
  }
  // Several processes (web, workers) may start at once: one migrates while the others wait on the lock.
  const single = postgres(url!, { max: 1, onnotice: () => {}, ...(socketPath ? { path: socketPath } : {}) });
  try {
    await single`select pg_advisory_lock(724_119_001)`;
    await single`create extension if not exists vector`;
    await migratePostgres(drizzlePostgres(single), { migrationsFolder });
  } finally {
    await single`select pg_advisory_unlock(724_119_001)`.catch(() => {});
    await single.end({ timeout: 5 });
  }
}

/** Raw SQL rows, whichever driver runs underneath (PGlite answers `{ rows }`, postgres.js an array). */
export async function rows<T>(executor: Pick<Db, 'execute'>, query: SQL): Promise<T[]> {
  const result = (await executor.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
