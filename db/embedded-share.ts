/**
 * With REDIS_URL set but no DATABASE_URL, worker processes (`npm run worker`) need the web process's
 * embedded database, and PGlite serves one process only. So the web process serves it over the Postgres
 * wire protocol on a Unix socket inside DATA_DIR (reachable only by whoever may read DATA_DIR), and
 * connects to it through that socket itself: one server (db/pglite-wire-server.ts) then orders the
 * transactions of every process.
 * (A process that used PGlite directly while another held a transaction open through the socket could
 * see its statements run inside that transaction.)
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { type Database, openDatabase } from './client.ts';
import { startPgliteWireServer } from './pglite-wire-server.ts';

/** postgres.js needs a URL; with `socketPath` only its database name and credentials matter. */
export const EMBEDDED_DATABASE_URL = 'postgres://postgres:postgres@localhost:5432/postgres';

export function embeddedSocketPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'run', '.s.PGSQL.5432');
}

export interface SharedEmbeddedDatabase {
  readonly socketPath: string;
  stop(): Promise<void>;
}

/** Opens DATA_DIR's PGlite and serves it on the socket. The caller must be the only process using DATA_DIR. */
export async function serveEmbeddedDatabase(options: {
  readonly dataDir: string;
  readonly maxConnections: number;
}): Promise<SharedEmbeddedDatabase> {
  const socketPath = embeddedSocketPath(options.dataDir);
  // Unix socket paths are short (108 bytes on Linux); say so instead of failing obscurely.
  if (Buffer.byteLength(socketPath) > 100) {
    throw new Error(
      `DATA_DIR is too deep to share its database over a socket (${socketPath}); use a shorter DATA_DIR`,
    );
  }
  mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  // A socket file left by a process that crashed: the data-dir check already made sure none is running.
  rmSync(socketPath, { force: true });
  const dir = path.join(path.resolve(options.dataDir), 'pg');
  mkdirSync(dir, { recursive: true });
  const pglite = await PGlite.create(dir, { extensions: { vector } });
  const server = await startPgliteWireServer({
    pglite,
    path: socketPath,
    maxConnections: options.maxConnections,
  });
  return {
    socketPath,
    async stop() {
      await server.stop();
      rmSync(socketPath, { force: true });
      if (!pglite.closed) await pglite.close();
    },
  };
}

/** A connection pool to the shared embedded database, or null when no web process is sharing one. */
export async function openSharedEmbeddedDatabase(options: {
  readonly dataDir: string;
  readonly poolSize: number;
}): Promise<Database | null> {
  const socketPath = embeddedSocketPath(options.dataDir);
  if (!existsSync(socketPath)) return null;
  return openDatabase({ url: EMBEDDED_DATABASE_URL, socketPath, poolSize: options.poolSize });
}
