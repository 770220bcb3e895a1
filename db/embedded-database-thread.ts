/**
 * The database thread (a worker_threads entry, started by db/embedded-thread.ts): opens DATA_DIR's PGlite,
 * migrates it, and serves it on DATA_DIR's Unix socket with the wire server. PGlite is WASM and runs each
 * statement synchronously, so here a 75 ms index write or the idle vacuum holds this thread only, never
 * the one answering HTTP, Slack and Teams.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { describeStartupError, migrateDatabase, openPglite } from './client.ts';
import { startPgliteWireServer } from './pglite-wire-server.ts';
import { tightenTree } from './private-files.ts';

/** What the thread is started with (its `workerData`). */
export interface EmbeddedThreadSettings {
  readonly dataDir: string;
  readonly socketPath: string;
  readonly maxConnections: number;
}

export type EmbeddedThreadRequest = { readonly type: 'stop' };
export type EmbeddedThreadReply =
  | { readonly type: 'ready' }
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly message: string };

const port = parentPort;
if (!port) throw new Error('db/embedded-database-thread.ts runs as a worker thread only');
const settings = workerData as EmbeddedThreadSettings;
const post = (reply: EmbeddedThreadReply) => port.postMessage(reply);

let opened: Awaited<ReturnType<typeof openPglite>> | null = null;
try {
  opened = await openPglite(settings.dataDir);
  const { pglite, database } = opened;
  await migrateDatabase(database, undefined);
  mkdirSync(path.dirname(settings.socketPath), { recursive: true, mode: 0o700 });
  chmodSync(path.dirname(settings.socketPath), 0o700);
  // A socket file left by a process that crashed: the data-dir check already made sure none is running.
  rmSync(settings.socketPath, { force: true });
  const server = await startPgliteWireServer({
    pglite,
    path: settings.socketPath,
    maxConnections: settings.maxConnections,
    onFatal: (error) => {
      // Uncaught, it ends the thread: the web process says so in one sentence and exits.
      setImmediate(() => {
        throw error instanceof Error ? error : new Error(String(error));
      });
    },
  });
  chmodSync(settings.socketPath, 0o600);
  port.on('message', (request: EmbeddedThreadRequest) => {
    if (request.type !== 'stop') return;
    void (async () => {
      // Connections first (an open transaction is rolled back), then PGlite's shutdown checkpoint.
      await server.stop();
      rmSync(settings.socketPath, { force: true });
      await database.close();
      tightenTree(path.join(path.resolve(settings.dataDir), 'pg'));
      post({ type: 'stopped' });
      port.close();
    })().catch((error: unknown) => {
      post({ type: 'failed', message: describeStartupError(error) });
      port.close();
    });
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', message: describeStartupError(error) });
  await opened?.database.close().catch(() => undefined);
  port.close();
}
