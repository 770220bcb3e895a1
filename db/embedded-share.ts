/**
 * With REDIS_URL set but no DATABASE_URL, worker processes (`npm run worker`) use the web process's
 * embedded database: its database thread (db/embedded-thread.ts) serves it over the Postgres wire
 * protocol on a Unix socket inside DATA_DIR (reachable only by whoever may read DATA_DIR), and one
 * server (db/pglite-wire-server.ts) orders the transactions of every process.
 * (A process that used PGlite directly while another held a transaction open through the socket could
 * see its statements run inside that transaction.)
 */
import { existsSync } from 'node:fs';
import { type Database, openDatabase } from './client.ts';
import { EMBEDDED_DATABASE_URL, embeddedSocketPath } from './embedded-thread.ts';
import { BACKGROUND_APPLICATION_NAME } from './pglite-wire-server.ts';

/** A connection pool to the shared embedded database, or null when no web process is sharing one. */
export async function openSharedEmbeddedDatabase(options: {
  readonly dataDir: string;
  readonly poolSize: number;
}): Promise<Database | null> {
  const socketPath = embeddedSocketPath(options.dataDir);
  if (!existsSync(socketPath)) return null;
  return openDatabase({
    url: EMBEDDED_DATABASE_URL,
    socketPath,
    poolSize: options.poolSize,
    embedded: true,
    // Workers only ingest, sync and maintain: the web process's asks go before their statements.
    applicationName: BACKGROUND_APPLICATION_NAME,
    // The web process's database thread migrated it before serving.
    migrate: false,
  });
}
