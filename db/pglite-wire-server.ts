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

  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const index = owner ? turns.findIndex((turn) => turn.connection === owner) : 0;
        if (index < 0 || turns.length === 0) return;
        const [turn] = turns.splice(index, 1);
        if (!turn || turn.connection.closed) continue;
        const { connection } = turn;
        if (options.onTurn) {
          await options.onTurn({ connectionId: connection.id, queries: queriesOf(turn.bytes) });
          if (connection.closed) continue;
        }
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
        // postgres.js sends Parse+Describe+Flush, reads the description, then Bind+Execute+Sync: the
        // unnamed statement must stay this connection's until Sync, like an open transaction.
        connection.midSequence = turn.midSequence;
        owner = pglite.isInTransaction() || turn.midSequence ? connection : null;
      }
    } finally {
      running = false;
    }
  }

  function schedule(connection: Connection, bytes: Uint8Array, midSequence = false): void {
    turns.push({ connection, bytes, midSequence });
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
