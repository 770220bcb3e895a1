import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BACKGROUND_APPLICATION_NAME,
  type PgliteWireServer,
  startPgliteWireServer,
} from './pglite-wire-server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let pglite: PGlite;
let server: PgliteWireServer;
let url: string;

beforeAll(async () => {
  pglite = await PGlite.create();
  await pglite.exec('create table t (id int, name text, at timestamptz)');
  server = await startPgliteWireServer({ pglite, maxConnections: 20 });
  url = `postgres://postgres:postgres@${server.address}/postgres`;
});
afterAll(async () => {
  await server?.stop();
  await pglite?.close();
});

/** A wire server on the shared PGlite that records, in order, the turns of writers and of questions. */
async function serverRecordingOrder(maxConnections: number) {
  const order: ('write' | 'ask')[] = [];
  const own = await startPgliteWireServer({
    pglite,
    maxConnections,
    onTurn: ({ queries }) => {
      for (const query of queries) {
        if (query.includes('write_part')) order.push('write');
        if (query.includes('연차')) order.push('ask');
      }
    },
  });
  return { order, own, ownUrl: `postgres://postgres:postgres@${own.address}/postgres` };
}

/** One connection that says it works in the background, as the index writer and workers do. */
function backgroundClient(url: string) {
  return postgres(url, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: BACKGROUND_APPLICATION_NAME },
  });
}

describe('PGlite wire server', () => {
  it('keeps concurrent unprepared queries of different connections apart', async () => {
    // postgres.js sends these as Parse(unnamed)+Describe+Flush, then Bind+Execute+Sync: interleaved
    // message by message (as pglite-socket does), one connection binds the other's statement.
    const a = postgres(url, { max: 4, onnotice: () => {} });
    const b = postgres(url, { max: 4, onnotice: () => {} });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) => [
          a.unsafe('select count(*)::int as n from t where name = $1', [`x${i}`]),
          b.unsafe('select count(*)::int as n from t where at < $1 and id > $2 and name <> $3', [
            new Date(),
            1,
            'y',
          ]),
        ]).flat(),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    } finally {
      await a.end();
      await b.end();
    }
  });

  it("runs a question's statements ahead of the background writer's next transactions", async () => {
    // Ingestion writes in transactions of ~75 ms back to back; an ask is a dozen statements one after
    // another. In arrival order each of the ask's statements waited one whole write transaction.
    const { order, own, ownUrl } = await serverRecordingOrder(4);
    const writer = backgroundClient(ownUrl);
    const asker = postgres(ownUrl, { max: 1, onnotice: () => {} });
    try {
      let writing = true;
      const writes = (async () => {
        while (writing) {
          await writer.begin(async (tx) => {
            await tx.unsafe('select pg_sleep(0.06) as write_part');
          });
        }
      })();
      while (order.filter((turn) => turn === 'write').length < 2) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      for (let i = 0; i < 12; i++) {
        const [row] = await asker.unsafe("select '연차 휴가' as probe, $1::int as n", [i]);
        expect(row?.n).toBe(i);
      }
      writing = false;
      await writes;
      const first = order.indexOf('ask');
      const last = order.lastIndexOf('ask');
      expect(last - first).toBeGreaterThanOrEqual(11);
      expect(order.slice(first, last).filter((turn) => turn === 'write').length).toBeLessThanOrEqual(2);
    } finally {
      await writer.end();
      await asker.end();
      await own.stop();
    }
  });

  it('still answers questions while several background connections queue writes', async () => {
    // A worker process writes through a pool: one of its connections has always waited long, and that
    // must not put every background turn ahead of a question for as long as the worker has work.
    const { order, own, ownUrl } = await serverRecordingOrder(8);
    const writers = Array.from({ length: 4 }, () => backgroundClient(ownUrl));
    const asker = postgres(ownUrl, { max: 1, onnotice: () => {} });
    try {
      const writes = writers.map(async (writer) => {
        for (let i = 0; i < 10; i++) {
          await writer.begin(async (tx) => {
            await tx.unsafe('select pg_sleep(0.05) as write_part');
          });
        }
      });
      while (order.filter((turn) => turn === 'write').length < 4) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      for (let i = 0; i < 8; i++) await asker.unsafe("select '연차 휴가' as probe, $1::int as n", [i]);
      await Promise.all(writes);
      // 40 writes in all: the questions are answered while most of them are still to come.
      const writesAfter = order.slice(order.lastIndexOf('ask')).filter((turn) => turn === 'write').length;
      expect(writesAfter).toBeGreaterThan(20);
    } finally {
      await Promise.all(writers.map((writer) => writer.end()));
      await asker.end();
      await own.stop();
    }
  });

  it('rolls back the open transaction of a client process that is killed', async () => {
    const script = `
      import postgres from 'postgres';
      const sql = postgres(process.argv[1], { max: 1, onnotice: () => {} });
      await sql.begin(async (tx) => {
        await tx\`insert into t (id, name) values (1, 'uncommitted')\`;
        process.stdout.write('inserted\\n');
        await new Promise(() => {});
      });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, url], { cwd: root });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('inserted')) resolve();
      });
      child.once('exit', () => reject(new Error('the client exited before inserting')));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from t where name = 'uncommitted'`;
      expect(row?.n).toBe(0);
      expect(pglite.isInTransaction()).toBe(false);
      await sql`insert into t (id, name) values (2, 'after')`;
      const [after] = await sql<{ n: number }[]>`select count(*)::int as n from t where name = 'after'`;
      expect(after?.n).toBe(1);
    } finally {
      await sql.end();
    }
  });
});

/** A bare Postgres client on a socket, so a test can stop reading (backpressure) and check every byte. */
async function rawClient(address: string) {
  const [host, port] = address.split(':');
  const { connect } = await import('node:net');
  const socket = connect({ host: host!, port: Number(port) });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let received = Buffer.alloc(0);
  socket.on('data', (data: Buffer) => {
    received = Buffer.concat([received, data]);
  });
  const readyCount = () => {
    let count = 0;
    for (let at = 0; at + 5 <= received.length; at += 1 + received.readInt32BE(at + 1)) {
      if (received[at] === 0x5a) count += 1;
    }
    return count;
  };
  const waitReady = async (n: number) => {
    while (readyCount() < n) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
  const startup = Buffer.alloc(8 + params.length);
  startup.writeInt32BE(startup.length, 0);
  startup.writeInt32BE(196608, 4);
  params.copy(startup, 8);
  socket.write(startup);
  await waitReady(1);
  return {
    socket,
    waitReady,
    query(text: string) {
      const body = Buffer.from(`${text}\0`);
      const message = Buffer.alloc(5 + body.length);
      message[0] = 0x51;
      message.writeInt32BE(4 + body.length, 1);
      body.copy(message, 5);
      socket.write(message);
    },
    /** The text values of the DataRow messages received so far (one column). */
    values(): string[] {
      const out: string[] = [];
      for (let at = 0; at + 5 <= received.length; at += 1 + received.readInt32BE(at + 1)) {
        if (received[at] !== 0x44) continue;
        const length = received.readInt32BE(at + 7);
        out.push(received.toString('utf8', at + 11, at + 11 + length));
      }
      return out;
    },
  };
}

describe('PGlite wire server under backpressure', () => {
  it('sends each client its own rows when it reads slowly while another client is answered', async () => {
    const slow = await rawClient(server.address);
    const fast = await rawClient(server.address);
    try {
      // Korean text, several MB: more than the socket buffers hold while the slow client reads nothing.
      slow.socket.pause();
      slow.query(`select repeat('가나다라', 800000) as v`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      fast.query(`select repeat('마바사아', 800000) as v`);
      await fast.waitReady(2);
      slow.socket.resume();
      await slow.waitReady(2);
      expect(fast.values()).toEqual(['마바사아'.repeat(800000)]);
      const [value] = slow.values();
      expect(value?.length).toBe('가나다라'.length * 800000);
      expect(value === '가나다라'.repeat(800000)).toBe(true);
    } finally {
      slow.socket.destroy();
      fast.socket.destroy();
    }
  });
});
