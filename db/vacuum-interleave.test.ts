/**
 * The idle vacuum on the embedded database as the server runs it: through the wire server PGlite's one
 * backend takes one statement at a time, so an ask that arrives while the retrieval tables are vacuumed
 * runs between the vacuum's statements instead of after all of them (2.3 s at 7,473 chunks as one).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgliteServer } from '../tests/support/pglite-server.ts';
import { vacuumChunkIndex } from './chunk-index.ts';
import { type Database, openDatabase } from './client.ts';

const turns: string[] = [];
let server: Awaited<ReturnType<typeof startPgliteServer>>;
let vacuuming: Database;
let asking: Database;

beforeAll(async () => {
  server = await startPgliteServer(10, {
    onTurn: ({ queries }) => {
      for (const query of queries) turns.push(query);
    },
  });
  vacuuming = await openDatabase({ url: server.url, poolSize: 1, embedded: true });
  asking = await openDatabase({ url: server.url, poolSize: 1, embedded: true, migrate: false });
});
afterAll(async () => {
  await asking?.close();
  await vacuuming?.close();
  await server?.stop();
});

describe('vacuumChunkIndex on the embedded database', () => {
  it('lets a question run between its statements', async () => {
    turns.length = 0;
    let done = false;
    const vacuum = vacuumChunkIndex(vacuuming.db).then(() => {
      done = true;
    });
    while (!done) await asking.db.execute(sql`select '연차 휴가' as probe`);
    await vacuum;

    const maintenance = turns
      .map((query, index) => ({ query, index }))
      .filter(({ query }) => /^(vacuum|analyze)\b/i.test(query));
    expect(maintenance.length).toBeGreaterThan(1);
    const first = maintenance[0]!.index;
    const last = maintenance.at(-1)!.index;
    const between = turns.slice(first, last).filter((query) => query.includes('연차 휴가'));
    expect(between.length).toBeGreaterThan(0);
  });
});
