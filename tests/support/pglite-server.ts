import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { type PgliteWireServerOptions, startPgliteWireServer } from '../../db/pglite-wire-server.ts';

/**
 * Real Postgres wire protocol on loopback, served by PGlite: lets tests run the postgres.js path, from
 * this process and from child processes (workers). PGlite has a single backend, so the server takes
 * turns per extended-protocol sequence and per transaction (see db/pglite-wire-server.ts: pglite-socket
 * interleaves messages and mixes up concurrent unprepared queries); its connection limit must cover
 * every pool.
 */
export async function startPgliteServer(
  maxConnections = 10,
  options: Pick<PgliteWireServerOptions, 'onTurn'> = {},
): Promise<{ url: string; stop(): Promise<void> }> {
  const db = await PGlite.create({ extensions: { vector } });
  const server = await startPgliteWireServer({ pglite: db, host: '127.0.0.1', maxConnections, ...options });
  return {
    url: `postgres://postgres:postgres@${server.address}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
