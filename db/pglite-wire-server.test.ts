import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgliteWireServer, startPgliteWireServer } from './pglite-wire-server.ts';

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
