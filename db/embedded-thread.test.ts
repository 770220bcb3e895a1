/**
 * DATA_DIR's PGlite in its database thread, reached over its socket as the web process reaches it: a
 * Korean row survives a stop and a reopen in-process (the shutdown checkpoint ran), the files stay private,
 * and a thread that dies is reported once, in one sentence, with the pool failing instead of hanging.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, rows } from './client.ts';
import { openEmbeddedDatabase } from './embedded-thread.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'exgpt-dbthread-'));
  made.push(dir);
  return path.join(dir, 'data');
}

const noDeath = (sentence: string) => {
  throw new Error(`the database thread died: ${sentence}`);
};

describe('the embedded database thread', () => {
  it('serves DATA_DIR migrated and embedded, and a stop checkpoints it for the next open', {
    timeout: 180_000,
  }, async () => {
    const dataDir = tempDataDir();
    const database = await openEmbeddedDatabase({
      dataDir,
      maxConnections: 10,
      poolSize: 2,
      onDeath: noDeath,
    });
    expect(database.embedded).toBe(true);
    // Migrated before serving: the schema's tables are there.
    await database.db.execute(
      sql`insert into collections (name) values ('인사팀 규정') on conflict do nothing`,
    );
    await database.close();

    expect(readdirSync(path.join(dataDir, 'run'))).toEqual([]);
    expect(statSync(path.join(dataDir, 'run')).mode & 0o777).toBe(0o700);
    for (const entry of readdirSync(path.join(dataDir, 'pg'), { recursive: true, withFileTypes: true })) {
      const full = path.join(entry.parentPath, entry.name);
      expect(statSync(full).mode & 0o077, full).toBe(0);
    }
    const again = await openDatabase({ dataDir });
    const found = await rows<{ name: string }>(
      again.db,
      sql`select name from collections where name = '인사팀 규정'`,
    );
    await again.close();
    expect(found).toEqual([{ name: '인사팀 규정' }]);
  });

  it('reports a thread that dies in one sentence, and queries fail instead of waiting for ever', {
    timeout: 180_000,
  }, async () => {
    const dataDir = tempDataDir();
    const deaths: string[] = [];
    const database = await openEmbeddedDatabase({
      dataDir,
      maxConnections: 10,
      poolSize: 2,
      onDeath: (sentence) => deaths.push(sentence),
    });
    await database.ping();
    await database.thread.kill();

    await expect(database.db.execute(sql`select '연차' as word`)).rejects.toThrow();
    expect(deaths).toHaveLength(1);
    expect(deaths[0]).toMatch(/^The embedded database stopped unexpectedly \(.+\); .*start ex-GPT again\.$/);
    expect(deaths[0]!.split('\n')).toHaveLength(1);
    await database.close();
  });
});
