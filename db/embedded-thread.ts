/**
 * The embedded database in a thread of its own: db/embedded-database-thread.ts opens DATA_DIR's PGlite and
 * serves it on DATA_DIR's Unix socket; this process (and, with REDIS_URL, worker processes) connect with
 * postgres.js. PGlite runs each statement synchronously: on the thread that answered HTTP, a 75 ms index
 * write, the idle vacuum or a large upload's bytes stopped every request, Slack and Teams included.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type Database, openDatabase } from './client.ts';
import type { EmbeddedThreadReply, EmbeddedThreadSettings } from './embedded-database-thread.ts';
import { BACKGROUND_APPLICATION_NAME } from './pglite-wire-server.ts';

/** postgres.js needs a URL; with a socket path only its database name and credentials matter. */
export const EMBEDDED_DATABASE_URL = 'postgres://postgres:postgres@localhost:5432/postgres';

export function embeddedSocketPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'run', '.s.PGSQL.5432');
}

export interface EmbeddedDatabaseThread {
  readonly socketPath: string;
  /** Closes every connection (open transactions roll back), PGlite with its checkpoint, then the thread. */
  stop(): Promise<void>;
  /** Ends the thread at once, as a WASM abort would: what tests use to see a dead thread handled. */
  kill(): Promise<void>;
}

export interface EmbeddedThreadOptions {
  readonly dataDir: string;
  readonly maxConnections: number;
  /**
   * The thread ended without being asked to (PGlite's WASM aborted, memory ran out): called once with
   * one sentence for the operator. Nothing can reach the database any more; the process should exit.
   */
  readonly onDeath: (sentence: string) => void;
}

const THREAD_FILE = new URL('./embedded-database-thread.ts', import.meta.url);

/** Starts the database thread and resolves once it serves DATA_DIR's database (migrated) on the socket. */
export async function startEmbeddedDatabaseThread(
  options: EmbeddedThreadOptions,
): Promise<EmbeddedDatabaseThread> {
  const socketPath = embeddedSocketPath(options.dataDir);
  // Unix socket paths are short (108 bytes on Linux); say so instead of failing obscurely.
  if (Buffer.byteLength(socketPath) > 100) {
    throw new Error(
      `DATA_DIR is too deep for the embedded database's socket (${socketPath}); use a shorter DATA_DIR`,
    );
  }
  const worker = new Worker(THREAD_FILE, {
    workerData: {
      dataDir: path.resolve(options.dataDir),
      socketPath,
      maxConnections: options.maxConnections,
    } satisfies EmbeddedThreadSettings,
  });
  let state: 'starting' | 'serving' | 'stopping' | 'ended' = 'starting';
  let lastError: Error | null = null;
  let stopped: (() => void) | null = null;

  await new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: EmbeddedThreadReply) => {
      if (reply.type === 'ready') {
        state = 'serving';
        resolve();
      } else if (reply.type === 'failed') {
        lastError = new Error(reply.message);
        if (state === 'starting') reject(lastError);
      } else if (reply.type === 'stopped') {
        stopped?.();
      }
    });
    worker.on('error', (error) => {
      lastError = error;
      if (state === 'starting') reject(error);
    });
    worker.on('exit', (code) => {
      const previous = state;
      state = 'ended';
      stopped?.();
      if (previous === 'starting') {
        reject(lastError ?? new Error(`the embedded database thread exited during start-up (code ${code})`));
      } else if (previous === 'serving') {
        options.onDeath(describeDeath(lastError, code));
      }
    });
  });

  return {
    socketPath,
    async stop() {
      if (state !== 'serving') return;
      state = 'stopping';
      const ended = new Promise<void>((resolve) => {
        stopped = resolve;
      });
      worker.postMessage({ type: 'stop' });
      await ended;
      // After 'stopped' the thread has nothing left (PGlite closed): end it rather than wait on its handles.
      await worker.terminate();
      if (lastError) throw lastError;
    },
    async kill() {
      await worker.terminate();
    },
  };
}

/** The operator's one sentence: what happened, that committed data is safe, what to do. */
export function describeDeath(error: Error | null, code: number): string {
  const cause = error
    ? (error as Error & { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? 'it ran out of memory'
      : `${error.name}: ${error.message.split('\n')[0]?.slice(0, 200)}`
    : `it exited with code ${code}`;
  return `The embedded database stopped unexpectedly (${cause}); everything committed is safe in DATA_DIR, start ex-GPT again.`;
}

/**
 * DATA_DIR's database for the web process: the database thread plus a postgres.js pool through its socket.
 * Closing it closes the pool, then the thread (PGlite checkpointed).
 */
export async function openEmbeddedDatabase(
  options: EmbeddedThreadOptions & { readonly poolSize: number },
): Promise<Database & { readonly thread: EmbeddedDatabaseThread }> {
  const thread = await startEmbeddedDatabaseThread(options);
  const opened: Database[] = [];
  try {
    for (const applicationName of ['ex-gpt', BACKGROUND_APPLICATION_NAME]) {
      opened.push(
        await openDatabase({
          url: EMBEDDED_DATABASE_URL,
          socketPath: thread.socketPath,
          // The index writer needs one connection: its transactions queue on lex_stats anyway.
          poolSize: applicationName === 'ex-gpt' ? options.poolSize : 1,
          embedded: true,
          applicationName,
          // The thread migrated before serving.
          migrate: false,
        }),
      );
    }
  } catch (error) {
    for (const database of opened) await database.close().catch(() => undefined);
    await thread.stop().catch(() => undefined);
    throw error;
  }
  const [pool, background] = opened as [Database, Database];
  return {
    kind: pool.kind,
    embedded: true,
    db: pool.db,
    background: background.db,
    thread,
    ping: () => pool.ping(),
    async close() {
      await background.close();
      await pool.close();
      await thread.stop();
    },
  };
}
