/**
 * One suite, two databases: the embedded PGlite and a real PostgreSQL (the scale-out path). Suites that
 * exercise storage, retrieval, the access filter, migrations, the queue's database side or the admin API
 * run once per kind with `describe.each(DATABASE_KINDS)`. Each call gets a fresh database of its own:
 * in memory for PGlite, a new database on the run's real server (TEST_DATABASE_URL, started by
 * tests/support/global-setup.ts) for PostgreSQL, dropped on close.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { type Database, openDatabase } from '#db';

export type DatabaseKind = Database['kind'];
export const DATABASE_KINDS: readonly DatabaseKind[] = ['pglite', 'postgres'];

export interface TestDatabase extends Database {
  /** The postgres:// URL of this database (PostgreSQL only): for child processes and second pools. */
  readonly url: string | undefined;
}

/** The run's real PostgreSQL server, as a superuser URL. */
export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'TEST_DATABASE_URL is not set: run the tests with `npm test` (its global setup starts a real PostgreSQL), or point it at a PostgreSQL 15+ superuser URL with pgvector 0.8+.',
    );
  }
  return url;
}

/** A new, empty database on the run's real server; returns its URL and how to drop it. */
export async function createServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = testServerUrl();
  const name = `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = postgres(server, { max: 1, onnotice: () => {} });
      try {
        await again.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await again.end({ timeout: 5 });
      }
    },
  };
}

export async function openTestDatabase(
  kind: DatabaseKind,
  options: { migrate?: boolean; poolSize?: number } = {},
): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await openDatabase({ migrate: options.migrate ?? true });
    return Object.assign(database, { url: undefined });
  }
  const created = await createServerDatabase();
  const database = await openDatabase({
    url: created.url,
    poolSize: options.poolSize ?? 4,
    migrate: options.migrate ?? true,
  });
  let closed = false;
  return {
    kind: database.kind,
    embedded: database.embedded,
    db: database.db,
    url: created.url,
    ping: () => database.ping(),
    async close() {
      if (closed) return;
      closed = true;
      await database.close();
      await created.drop();
    },
  };
}
