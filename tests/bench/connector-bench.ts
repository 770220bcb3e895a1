/**
 * Connector sync speed (issue 20): a folder source's first sync of N small Korean/English files
 * (documents per second, through the whole ingestion pipeline on embedded PGlite), then the time of an
 * incremental run with 10 of them changed. `npm run bench -- --only connectors [--source-items N]`.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSource, runSource } from '../connectors/support.ts';
import { buildCollection, createTestEngine } from '../support/engine.ts';
import type { BenchRow } from './support.ts';

const text = (i: number, edition: number) =>
  `# 규정 ${i} (개정 ${edition})\n\n직원은 ${i}번 규정에 따라 출장비를 ${edition + 1}주 안에 정산한다.\nPolicy ${i}: expense reports are due within ${edition + 14} days.\n`;

export async function run(items = 1000): Promise<BenchRow[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'exgpt-bench-folder-'));
  const t = await createTestEngine({ INGEST_THREADS: '0' });
  try {
    for (let i = 0; i < items; i++) await writeFile(path.join(dir, `policy-${i}.md`), text(i, 1));
    const collection = await buildCollection(t, { everyone: true });
    const sourceId = await buildSource(t, {
      kind: 'folder',
      collectionId: collection.id,
      config: { path: dir },
    });
    let started = performance.now();
    const first = await runSource(t, sourceId);
    const firstMs = performance.now() - started;
    const later = new Date(Date.now() + 60_000);
    for (let i = 0; i < 10; i++) {
      const file = path.join(dir, `policy-${i * Math.floor(items / 10)}.md`);
      await writeFile(file, text(i * Math.floor(items / 10), 2));
      await utimes(file, later, later);
    }
    started = performance.now();
    const second = await runSource(t, sourceId);
    const incrementalMs = performance.now() - started;
    return [
      {
        name: `folder source: first sync of ${items} files`,
        value: Math.round((first.added / firstMs) * 1000 * 10) / 10,
        unit: 'docs/s',
        note: `${first.added} added, ${first.failed} failed in ${(firstMs / 1000).toFixed(1)} s`,
      },
      {
        name: `folder source: incremental sync, 10 changed among ${items}`,
        value: Math.round(incrementalMs),
        unit: 'ms',
        target: '< 5000',
        note: `${second.changed} changed, ${second.unchanged} unchanged`,
      },
    ];
  } finally {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  }
}
