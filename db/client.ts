/**
 * The one database client factory: embedded PGlite (+ pgvector) persisted in DATA_DIR by default, or
 * postgres.js when DATABASE_URL is set. Everything above this file sees the same drizzle database.
 */
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
import { makePrivate, tightenTree } from './private-files.ts';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A database or a transaction handle: inside a transaction, always use the handle. */
export type Executor = Pick<Db, 'execute' | 'select' | 'insert' | 'update' | 'delete' | 'transaction'>;

export interface Database {
  /** The driver: PGlite in this thread, or postgres.js (a PostgreSQL server, or the embedded one over its socket). */
  readonly kind: 'pglite' | 'postgres';
  /**
   * The database is DATA_DIR's PGlite, in this thread or served by the database thread: one backend (a long
   * statement makes every other wait) and no autovacuum (someone must vacuum after ingestion).
   */
  readonly embedded: boolean;
  readonly db: Db;
  /**
   * Where bulk index writes go. On the embedded database served by the database thread, a connection that
   * says it works in the background, so that asks run before its next transaction (db/pglite-wire-server.ts);
   * absent elsewhere: use `db`.
   */
  readonly background?: Db | undefined;
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
  /** `url` + `socketPath` reach the embedded database served by the database thread (see Database.embedded). */
  readonly embedded?: boolean | undefined;
  /** Sent as application_name (default 'ex-gpt'); BACKGROUND_APPLICATION_NAME lets asks go first. */
  readonly applicationName?: string | undefined;
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const database = options.url
    ? openPostgres(options.url, {
        poolSize: options.poolSize ?? 10,
        socketPath: options.socketPath,
        embedded: options.embedded ?? false,
        applicationName: options.applicationName ?? 'ex-gpt',
      })
    : (await openPglite(options.dataDir)).database;
  if (options.migrate !== false) await migrateDatabase(database, options.url, options.socketPath);
  return database;
}

/**
 * PGlite on this thread, with the handle that serves it (the database thread hands it to the wire server).
 * Closing the Database closes the PGlite.
 */
export async function openPglite(
  dataDir: string | undefined,
): Promise<{ readonly pglite: PGlite; readonly database: Database }> {
  const dir = dataDir && dataDir !== 'memory://' ? path.resolve(dataDir, 'pg') : undefined;
  if (dir) makePrivate(path.resolve(dataDir!), dir);
  const client = await PGlite.create(dir ?? 'memory://', { extensions: { vector } });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  const database: Database = {
    kind: 'pglite',
    embedded: true,
    db,
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      if (!client.closed) await client.close();
      if (dir) tightenTree(dir);
    },
  };
  return { pglite: client, database };
}

function openPostgres(
  url: string,
  {
    poolSize,
    socketPath,
    embedded,
    applicationName,
  }: { poolSize: number; socketPath: string | undefined; embedded: boolean; applicationName: string },
): Database {
  const client = postgres(url, {
    max: poolSize,
    ...(socketPath ? { path: socketPath } : {}),
    onnotice: () => {},
    // pgvector values come back as text; drizzle's column types parse them.
    // JIT off on a real server: retrieval disables seq scans inside its transaction, which makes every plan's
    // cost exceed jit_above_cost, and compiling it took 747 ms of a 774 ms vector search (EXPLAIN ANALYZE, 4k
    // chunks, PostgreSQL 15). Our statements are meant to take milliseconds; JIT only pays for long ones.
    // (PGlite has no JIT; its socket server reads only application_name.)
    connection: embedded
      ? { application_name: applicationName }
      : { application_name: applicationName, jit: 'off' },
  });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    kind: 'postgres',
    embedded,
    db,
    ping: async () => {
      await client`select 1`;
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
}

export async function migrateDatabase(
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
    // No digit separators in SQL literals: PostgreSQL 15 rejects `724_119_001` (16+ syntax).
    await single`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await assertSupportedServer(single);
    await single`create extension if not exists vector`.catch((error: unknown) => {
      throw explainMissingVector(error);
    });
    await assertSupportedVector(single);
    await migratePostgres(drizzlePostgres(single), { migrationsFolder });
  } finally {
    await single`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
    await single.end({ timeout: 5 });
  }
}

const MIGRATION_LOCK_KEY = 724119001;

/**
 * What the code truly needs: PostgreSQL 15 (the oldest we test), pgvector 0.8.0 (`hnsw.iterative_scan` keeps an
 * access-filtered vector search from coming back short; `binary_quantize` and `bit_hamming_ops` came in 0.7).
 */
export const SUPPORTED_POSTGRES = { major: 15, label: '15' } as const;
export const SUPPORTED_PGVECTOR = { version: [0, 8, 0] as const, label: '0.8.0' } as const;

/** Thrown before migrating when the server cannot run ex-GPT; the message is one sentence for an operator. */
export class UnsupportedDatabaseError extends Error {
  override readonly name = 'UnsupportedDatabaseError';
}

async function assertSupportedServer(client: postgres.Sql): Promise<void> {
  const [row] = await client<{ num: string; version: string }[]>`
    select current_setting('server_version_num') as num, current_setting('server_version') as version`;
  checkServerVersion(Number(row?.num ?? 0), row?.version ?? 'of an unknown version');
}

/** `versionNum` as PostgreSQL reports it (`server_version_num`, e.g. 150014 for 15.14). */
export function checkServerVersion(versionNum: number, version: string): void {
  if (Math.floor(versionNum / 10_000) < SUPPORTED_POSTGRES.major) {
    throw new UnsupportedDatabaseError(
      `DATABASE_URL points at PostgreSQL ${version}, but ex-GPT needs PostgreSQL ${SUPPORTED_POSTGRES.label} or later.`,
    );
  }
}

async function assertSupportedVector(client: postgres.Sql): Promise<void> {
  const [row] = await client<{ version: string }[]>`
    select extversion as version from pg_extension where extname = 'vector'`;
  const found = row?.version ?? '';
  if (!isAtLeast(found, SUPPORTED_PGVECTOR.version)) {
    throw new UnsupportedDatabaseError(
      `The database has pgvector ${found}, but ex-GPT needs pgvector ${SUPPORTED_PGVECTOR.label} or later (ALTER EXTENSION vector UPDATE after installing a newer one).`,
    );
  }
}

/** `found` ("0.8.6", "0.7.0-rc1") compared with a version as numbers, part by part. */
export function isAtLeast(found: string, needed: readonly number[]): boolean {
  const parts = found.split(/[.-]/).map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < needed.length; i++) {
    const have = parts[i] ?? 0;
    if (Number.isNaN(have)) return false;
    if (have !== needed[i]) return have > needed[i]!;
  }
  return true;
}

/** `create extension vector` failed: the server has no pgvector to install, or the role may not install it. */
export function explainMissingVector(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/could not open extension control file|extension "vector" is not available/i.test(message)) {
    return new UnsupportedDatabaseError(
      `The PostgreSQL server at DATABASE_URL has no pgvector extension installed; ex-GPT needs pgvector ${SUPPORTED_PGVECTOR.label} or later (the pgvector/pgvector image, or build it from source).`,
    );
  }
  if (/permission denied to create extension/i.test(message)) {
    return new UnsupportedDatabaseError(
      `The DATABASE_URL role may not create the pgvector extension: run CREATE EXTENSION vector once as a superuser (pgvector ${SUPPORTED_PGVECTOR.label} or later).`,
    );
  }
  return error instanceof Error ? error : new Error(message);
}

/** Raw SQL rows, whichever driver runs underneath (PGlite answers `{ rows }`, postgres.js an array). */
export async function rows<T>(executor: Pick<Db, 'execute'>, query: SQL): Promise<T[]> {
  const result = (await executor.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** For a process that could not start: an unsupported database is one sentence, anything else its stack. */
export function describeStartupError(error: unknown): string {
  if (error instanceof UnsupportedDatabaseError) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
