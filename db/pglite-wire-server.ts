/**
 * One PGlite served to several connections over the Postgres wire protocol (TCP or a Unix socket).
 *
 * PGlite has a single backend, so connections take turns. The unit of a turn matters: pglite-socket
 * interleaves single messages, and two connections' extended-protocol sequences (Parse/Bind/Execute
 * with the unnamed statement, as postgres.js sends for unprepared queries) then bind each other's
 * statements ("bind message supplies 3 parameters, but prepared statement "" requires 1"). Here a turn
 * is everything a connection sent up to its Sync (or a simple Query), and while a connection has a
 * transaction open, only that connection gets turns. A connection that goes away mid-transaction
 * (a killed process) has its transaction rolled back, as Postgres does.
 *
 * Asks before bulk work: an ask is ~14 statements (~28 turns) sent one after another, and the index writer
 * (ingestion, in transactions of ~75 ms: db/write-budget.ts) queues its next transaction while the ask's
 * next statement is still being prepared. In arrival order every statement of an ask could wait one whole
 * write, and asks took ~1 s at p95 while a 5 MB CSV was written (ingest-load bench). Connections that say
 * they do background work (application_name BACKGROUND_APPLICATION_NAME: the web process's index writer,
 * worker processes) therefore go last: when the backend is free, other connections' turns run first, and
 * a background turn waits while another connection is mid-conversation (it finished a turn within
 * GRACE_MS), though never longer than MAX_DEFER_MS, so that ingestion still moves under a stream of asks.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const FLUSH = 0x48; // 'H'
const TERMINATE = 0x58; // 'X'
const PARSE = 0x50; // 'P'
const SYNC_MESSAGE = new Uint8Array([SYNC, 0, 0, 0, 4]);
/** A simple Query message (exec() would wait for the lock this server already holds). */
const ROLLBACK_MESSAGE = queryMessage('ROLLBACK');

/** The application_name of connections whose turns may wait for everyone else's (see above). */
export const BACKGROUND_APPLICATION_NAME = 'ex-gpt-background';
/** How long after another connection's turn a background turn still waits for that connection's next one. */
const GRACE_MS = 5;
/** A background turn is never held back longer than this. */
const MAX_DEFER_MS = 100;

function queryMessage(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, 'utf8');
  const message = Buffer.alloc(5 + body.length);
  message[0] = QUERY;
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}

export interface PgliteWireServerOptions {
  readonly pglite: PGlite;
  /** A Unix socket path; otherwise TCP on `host:port` (default 127.0.0.1, a free port). */
  readonly path?: string | undefined;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly maxConnections?: number | undefined;
  /**
   * Called before each turn with the SQL it carries; the server waits for the returned promise. Tests use
   * it to hold a process in the middle of a transaction (and then kill it).
   */
  readonly onTurn?:
    | ((turn: { readonly connectionId: number; readonly queries: readonly string[] }) => unknown)
    | undefined;
  /**
   * PGlite itself failed (its WASM aborted, memory ran out): SQL errors are answers, this is not, and the
   * database cannot be trusted any more. Every connection is closed; the owner should end the process.
   */
  readonly onFatal?: ((error: unknown) => void) | undefined;
}

export interface PgliteWireServer {
  /** `host:port`, or the socket path. */
  readonly address: string;
  readonly port: number | null;
  stop(): Promise<void>;
}

interface Connection {
  readonly id: number;
  readonly socket: Socket;
  buffer: Buffer;
  started: boolean;
  /** Complete messages received since the last turn boundary. */
  pending: Buffer[];
  /** Its last turn ran and ended with Flush (the sequence is not finished). */
  midSequence: boolean;
  closed: boolean;
  /** Said so in its startup message (BACKGROUND_APPLICATION_NAME). */
  background: boolean;
  /** When its last turn ended, by performance.now(). */
  lastTurnEnded: number;
}

interface Turn {
  readonly connection: Connection;
  readonly bytes: Uint8Array;
  /** Ends with Flush: the client waits for answers before finishing the sequence with Sync. */
  readonly midSequence: boolean;
}

export async function startPgliteWireServer(options: PgliteWireServerOptions): Promise<PgliteWireServer> {
  const { pglite } = options;
  const turns: Turn[] = [];
  const connections = new Set<Connection>();
  /** The connection whose transaction is open: only its turns run until it ends. */
  let owner: Connection | null = null;
  let running = false;
  let nextId = 0;
  /** Wakes a drain that waits for a conversation's next turn. */
  let wake: (() => void) | null = null;

  /** When a background connection's turn last ended: background work gets the backend this often at least. */
  let backgroundRan = performance.now();

  /** The turn to run next, or how long to wait for a conversation's next turn. */
  function pick(now: number): number | { waitMs: number } {
    if (owner) return turns.findIndex((turn) => turn.connection === owner);
    if (turns.length === 0) return -1;
    const foreground = turns.findIndex((turn) => !turn.connection.background);
    const background = turns.findIndex((turn) => turn.connection.background);
    if (background < 0) return foreground;
    // Measured from the last background turn, not from when this one was queued: with several background
    // connections (a worker's pool) one of them has always waited long, and foreground turns then starved.
    const sinceBackground = now - backgroundRan;
    if (foreground >= 0) return sinceBackground >= MAX_DEFER_MS ? background : foreground;
    let waitMs = 0;
    for (const connection of connections) {
      if (connection.background || connection.closed) continue;
      waitMs = Math.max(waitMs, connection.lastTurnEnded + GRACE_MS - now);
    }
    waitMs = Math.min(waitMs, MAX_DEFER_MS - sinceBackground);
    return waitMs > 0 ? { waitMs } : background;
  }

  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const index = pick(performance.now());
        if (typeof index === 'object') {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, index.waitMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = null;
          continue;
        }
        if (index < 0 || turns.length === 0) return;
        const [turn] = turns.splice(index, 1);
        if (!turn || turn.connection.closed) continue;
        const { connection } = turn;
        if (options.onTurn) {
          await options.onTurn({ connectionId: connection.id, queries: queriesOf(turn.bytes) });
          if (connection.closed) continue;
        }
        // One write per turn rather than one per result row: the socket writes were 7% of the database
        // thread's time while a CSV was written and asks ran.
        connection.socket.cork();
        try {
          await pglite.runExclusive(() =>
            pglite.execProtocolRawStream(turn.bytes, {
              onRawData: (data) => {
                // `data` is a view into PGlite's WASM memory, which the next statement overwrites (or a
                // memory growth detaches). A socket that cannot take it all now keeps what it was given,
                // so it must be given a copy: without one, a slow reader got another connection's bytes.
                if (!connection.closed && data.length > 0) connection.socket.write(Buffer.from(data));
              },
            }),
          );
        } finally {
          connection.socket.uncork();
        }
        // postgres.js sends Parse+Describe+Flush, reads the description, then Bind+Execute+Sync: the
        // unnamed statement must stay this connection's until Sync, like an open transaction.
        connection.midSequence = turn.midSequence;
        owner = pglite.isInTransaction() || turn.midSequence ? connection : null;
        connection.lastTurnEnded = performance.now();
        if (connection.background) backgroundRan = connection.lastTurnEnded;
      }
    } finally {
      running = false;
    }
  }

  function schedule(connection: Connection, bytes: Uint8Array, midSequence = false): void {
    turns.push({ connection, bytes, midSequence });
    wake?.();
    void drain().catch((error: unknown) => {
      // Not an SQL error (those are answers on the wire): PGlite itself failed. The clients see their
      // sockets close rather than wait on a database that will not answer.
      for (const c of connections) c.socket.destroy();
      options.onFatal?.(error);
    });
  }

  async function close(connection: Connection): Promise<void> {
    if (connection.closed) return;
    connection.closed = true;
    connections.delete(connection);
    for (let i = turns.length - 1; i >= 0; i--) if (turns[i]!.connection === connection) turns.splice(i, 1);
    if (owner === connection) {
      // After a turn of this connection that may be running, undo its transaction if still open.
      await pglite.runExclusive(async () => {
        if (owner !== connection) return;
        // An extended-protocol sequence left half-way is ended first, so the next connection starts clean.
        if (connection.midSequence) await pglite.execProtocolRaw(SYNC_MESSAGE);
        if (pglite.isInTransaction()) await pglite.execProtocolRaw(ROLLBACK_MESSAGE);
        owner = null;
      });
      void drain();
    }
  }

  function receive(connection: Connection, data: Buffer): void {
    connection.buffer = connection.buffer.length === 0 ? data : Buffer.concat([connection.buffer, data]);
    for (;;) {
      const buffer = connection.buffer;
      if (!connection.started) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        connection.buffer = buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          connection.socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST) {
          connection.socket.destroy();
          return;
        }
        connection.started = true;
        connection.background =
          startupParameters(buffer.subarray(8, length)).get('application_name') ===
          BACKGROUND_APPLICATION_NAME;
        schedule(connection, buffer.subarray(0, length));
        continue;
      }
      if (buffer.length < 5) return;
      const length = 1 + buffer.readInt32BE(1);
      if (buffer.length < length) return;
      const type = buffer[0]!;
      const message = buffer.subarray(0, length);
      connection.buffer = buffer.subarray(length);
      if (type === TERMINATE) {
        connection.socket.end();
        return;
      }
      connection.pending.push(message);
      if (type === SYNC || type === QUERY || type === FLUSH) {
        const bytes = Buffer.concat(connection.pending);
        connection.pending = [];
        schedule(connection, bytes, type === FLUSH);
      }
    }
  }

  const server: Server = createServer((socket) => {
    if (options.maxConnections !== undefined && connections.size >= options.maxConnections) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    nextId += 1;
    const connection: Connection = {
      id: nextId,
      socket,
      buffer: Buffer.alloc(0),
      started: false,
      pending: [],
      midSequence: false,
      closed: false,
      background: false,
      lastTurnEnded: 0,
    };
    connections.add(connection);
    socket.on('data', (data) => receive(connection, data));
    socket.on('error', () => void close(connection));
    socket.on('close', () => void close(connection));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (options.path) server.listen(options.path, () => resolve());
    else server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : null;

  return {
    address: options.path ?? `${options.host ?? '127.0.0.1'}:${port}`,
    port,
    async stop() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of [...connections]) {
        connection.socket.destroy();
        await close(connection);
      }
      await closing;
    },
  };
}

/** The name/value pairs of a startup message's body (after its length and protocol version). */
function startupParameters(body: Uint8Array): Map<string, string> {
  const parts = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8').split('\0');
  const parameters = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) parameters.set(parts[i]!, parts[i + 1]!);
  return parameters;
}

/** The SQL text of the Parse and Query messages in a turn. */
function queriesOf(bytes: Uint8Array): string[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const queries: string[] = [];
  let offset = 0;
  while (offset + 5 <= buffer.length) {
    const type = buffer[offset]!;
    const length = buffer.readInt32BE(offset + 1);
    const body = buffer.subarray(offset + 5, offset + 1 + length);
    if (type === QUERY) {
      queries.push(body.toString('utf8', 0, Math.max(0, body.indexOf(0))));
    } else if (type === PARSE) {
      const nameEnd = body.indexOf(0);
      const queryEnd = body.indexOf(0, nameEnd + 1);
      queries.push(body.toString('utf8', nameEnd + 1, queryEnd));
    }
    if (length < 4) break;
    offset += 1 + length;
  }
  return queries;
}
