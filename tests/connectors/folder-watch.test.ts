/**
 * Folder sources on file-system events: a file added, changed in a burst or deleted under a watched folder
 * (recursive fs.watch) is synced without waiting for the scheduled rescan; paused and unreadable folders are
 * not watched, and where watching is not available the scheduled rescan alone still keeps the folder in sync.
 */
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, schema } from '#db';
import { createSourceStore } from '../../db/sources.ts';
import { type FolderWatching, startFolderWatching } from '../../workers/connectors/index.ts';
import { buildCollection, createTestEngine, silentLogger, type TestEngine } from '../support/engine.ts';
import { ask, buildSource, documentsOf, runSource } from './support.ts';

/** Waits for what a user would see next, however long the machine takes (never a timing assertion). */
async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('folder source on file-system events', () => {
  let t: TestEngine;
  let dir: string;
  let collectionId: string;
  let sourceId: string;
  let watching: FolderWatching;

  const runNumber = async () =>
    (
      await rows<{ run_number: number }>(
        t.database.db,
        sql`select run_number from sources where id = ${sourceId}`,
      )
    )[0]!.run_number;
  const ready = async (count: number) => {
    const docs = await documentsOf(t, sourceId);
    return docs.length === count && docs.every((d) => d.status === 'ready') ? docs : null;
  };

  beforeAll(async () => {
    t = await createTestEngine({ INGEST_THREADS: '0' });
    dir = await mkdtemp(path.join(tmpdir(), 'exgpt-watch-'));
    collectionId = (await buildCollection(t, { everyone: true })).id;
    // No schedule: only events (or "run now") sync it.
    sourceId = await buildSource(t, { kind: 'folder', collectionId, config: { path: dir } });
    watching = startFolderWatching({
      sources: createSourceStore(t.database.db),
      queue: t.queue,
      logger: silentLogger,
      debounceMs: 300,
      refreshMs: 3_600_000,
    });
    await watching.refresh();
  });
  afterAll(async () => {
    watching?.close();
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('syncs a Korean file added in a subfolder, titled by its heading and cited by its file URL', async () => {
    expect(watching.watching()).toEqual([sourceId]);
    await mkdir(path.join(dir, '규정'));
    const file = path.join(dir, '규정', '출장-규정.md');
    await writeFile(
      file,
      '# 출장 규정\n\n출장비는 귀국 후 2주 안에 정산합니다. 숙박비는 1박에 15만원까지 지원합니다.\n',
    );
    const docs = await until(() => ready(1), 'the new file indexed');
    expect(docs.map((d) => [d.title, d.source_url])).toEqual([['출장 규정', pathToFileURL(file).href]]);
    const answer = await ask(t, t.admin, '출장비는 언제까지 정산하나요?');
    expect(answer.answered).toBe(true);
    expect(answer.sources[0]?.url).toBe(pathToFileURL(file).href);
  });

  it('a burst of files is one or two runs, not one per file', async () => {
    await t.queue.drain();
    const before = await runNumber();
    await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((name) =>
        writeFile(
          path.join(dir, `note-${name}.md`),
          `# Note ${name}\n\nThe ${name} note says the office opens at nine.\n`,
        ),
      ),
    );
    await until(() => ready(6), 'five more files indexed');
    await t.queue.drain();
    expect((await runNumber()) - before).toBeGreaterThanOrEqual(1);
    expect((await runNumber()) - before).toBeLessThanOrEqual(2);
  });

  it('follows a deletion', async () => {
    await unlink(path.join(dir, 'note-a.md'));
    await until(() => ready(5), 'the deleted file removed');
    expect((await documentsOf(t, sourceId)).some((d) => d.source_url?.endsWith('note-a.md'))).toBe(false);
  });

  it('does not watch a paused source or a folder it cannot read', async () => {
    const missing = await buildSource(t, {
      kind: 'folder',
      collectionId,
      config: { path: path.join(dir, 'gone') },
    });
    await watching.refresh();
    expect(watching.watching()).toEqual([sourceId]);
    await t.database.db.update(schema.sources).set({ paused: true }).where(eq(schema.sources.id, sourceId));
    await watching.refresh();
    expect(watching.watching()).toEqual([]);
    await t.database.db.update(schema.sources).set({ paused: false }).where(eq(schema.sources.id, sourceId));
    await t.database.db.delete(schema.sources).where(eq(schema.sources.id, missing));
    await watching.refresh();
    expect(watching.watching()).toEqual([sourceId]);
  });

  it('where recursive watching is not available, the rescan alone keeps the folder in sync', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'exgpt-nowatch-'));
    try {
      const fallback = await buildSource(t, { kind: 'folder', collectionId, config: { path: other } });
      const unavailable = startFolderWatching({
        sources: createSourceStore(t.database.db),
        queue: t.queue,
        logger: silentLogger,
        watch: (() => {
          throw Object.assign(new Error('recursive watch is not available on this platform'), {
            code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
          });
        }) as unknown as typeof import('node:fs').watch,
      });
      await unavailable.refresh();
      expect(unavailable.watching()).toEqual([]);
      unavailable.close();
      await writeFile(path.join(other, 'parking.md'), '# Parking\n\nVisitors park on level B2.\n');
      const run = await runSource(t, fallback);
      expect(run).toMatchObject({ state: 'idle', added: 1 });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
