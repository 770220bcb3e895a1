import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './client.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Every file and directory below `dir` whose mode lets anyone but its owner in. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if ((statSync(full).mode & 0o077) !== 0) found.push(path.relative(dir, full));
  }
  return found;
}

describe('the embedded database directory', () => {
  it('is private to its user: DATA_DIR and pg 0700, the database files (WAL with document text) 0600', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'exgpt-perm-'));
    made.push(dataDir);
    const database = await openDatabase({ dataDir });
    await database.db.execute(sql`create table 비밀 (본문 text)`);
    await database.db.execute(sql`insert into 비밀 values ('임원 보수는 공개하지 않습니다')`);
    await database.close();

    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dataDir, 'pg')).mode & 0o777).toBe(0o700);
    expect(openToOthers(path.join(dataDir, 'pg'))).toEqual([]);
    expect(readdirSync(path.join(dataDir, 'pg')).length).toBeGreaterThan(5);
  });

  it('tightens a data directory left open by an earlier version when it is opened again', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'exgpt-perm-'));
    made.push(dataDir);
    const first = await openDatabase({ dataDir });
    await first.close();
    const { chmodSync } = await import('node:fs');
    chmodSync(dataDir, 0o777);
    chmodSync(path.join(dataDir, 'pg'), 0o777);
    writeFileSync(path.join(dataDir, 'pg', 'leftover'), 'x', { mode: 0o666 });
    chmodSync(path.join(dataDir, 'pg', 'leftover'), 0o666);

    const again = await openDatabase({ dataDir });
    // While it runs, nobody else can enter the directory; files it creates meanwhile are tightened at close.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dataDir, 'pg')).mode & 0o777).toBe(0o700);
    await again.close();
    expect(openToOthers(path.join(dataDir, 'pg'))).toEqual([]);
  });
});
