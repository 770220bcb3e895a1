/**
 * Connector sync speed (issue 20): a folder source's first sync of N small Korean/English files
 * (documents per second, through the whole ingestion pipeline on embedded PGlite), then the time of an
 * incremental run with 10 of them changed; the same for a SharePoint source against the loopback Graph fake
 * (delta pages of 200, one permissions request and one download per item). Each row also gives the CPU time
 * per document (this process's user + system time: the sync, ingestion on embedded PGlite and the fake
 * together), which a busy machine inflates far less than the wall-clock rate.
 * `npm run bench -- --only connectors [--source-items N] [--source-kind folder|sharepoint]`; issue 20's
 * figure is `--source-items 10000`.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { createSecretBox } from '#core';
import { schema } from '#db';
import { buildSource, runSource } from '../connectors/support.ts';
import { SHARED_DOCUMENTS, startFakeGraph } from '../fakes/microsoft-graph.ts';
import { buildCollection, createTestEngine } from '../support/engine.ts';
import type { BenchRow } from './support.ts';

/** Wall-clock and CPU time of `work`. */
async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return { result, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

const perDoc = (cpuMs: number, docs: number) => `${(cpuMs / Math.max(1, docs)).toFixed(1)} ms CPU/doc`;

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
    const { result: first, ms: firstMs, cpuMs: firstCpu } = await timed(() => runSource(t, sourceId));
    const later = new Date(Date.now() + 60_000);
    for (let i = 0; i < 10; i++) {
      const file = path.join(dir, `policy-${i * Math.floor(items / 10)}.md`);
      await writeFile(file, text(i * Math.floor(items / 10), 2));
      await utimes(file, later, later);
    }
    const {
      result: second,
      ms: incrementalMs,
      cpuMs: incrementalCpu,
    } = await timed(() => runSource(t, sourceId));
    return [
      {
        name: `folder source: first sync of ${items} files`,
        value: Math.round((first.added / firstMs) * 1000 * 10) / 10,
        unit: 'docs/s',
        note: `${first.added} added, ${first.failed} failed in ${(firstMs / 1000).toFixed(1)} s; ${perDoc(firstCpu, first.added)}`,
      },
      {
        name: `folder source: incremental sync, 10 changed among ${items}`,
        value: Math.round(incrementalMs),
        unit: 'ms',
        target: '< 5000',
        note: `${second.changed} changed, ${second.unchanged} unchanged; ${Math.round(incrementalCpu)} ms CPU`,
      },
    ];
  } finally {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runSharepoint(items = 1000): Promise<BenchRow[]> {
  const graph = await startFakeGraph({ pageSize: 200 });
  const key = 'b'.repeat(40);
  const t = await createTestEngine({
    INGEST_THREADS: '0',
    CONNECTOR_SECRET_KEY: key,
    MICROSOFT_GRAPH_URL: graph.apiUrl,
    MICROSOFT_LOGIN_URL: graph.loginUrl,
  });
  const organisation = {
    value: [{ id: 'org', roles: ['read'], link: { scope: 'organization', type: 'view' } }],
  };
  const file = (i: number, edition: number) => ({
    driveId: SHARED_DOCUMENTS,
    id: `01ITEM${String(i).padStart(6, '0')}`,
    name: `policy-${i}.md`,
    folder: '',
    text: text(i, edition),
    permissions: organisation,
  });
  try {
    for (let i = 0; i < items; i++) graph.put(file(i, 1));
    const collection = await buildCollection(t, { everyone: true });
    const sourceId = await buildSource(t, {
      kind: 'sharepoint',
      collectionId: collection.id,
      config: { tenantId: graph.tenantId, clientId: graph.clientId, driveId: SHARED_DOCUMENTS },
    });
    await t.database.db
      .update(schema.sources)
      .set({ secret: createSecretBox(key).seal(graph.clientSecret) })
      .where(eq(schema.sources.id, sourceId));
    const { result: first, ms: firstMs, cpuMs: firstCpu } = await timed(() => runSource(t, sourceId));
    for (let i = 0; i < 10; i++) graph.put(file(i * Math.floor(items / 10), 2));
    const {
      result: second,
      ms: incrementalMs,
      cpuMs: incrementalCpu,
    } = await timed(() => runSource(t, sourceId));
    return [
      {
        name: `sharepoint source (loopback Graph): first sync of ${items} items`,
        value: Math.round((first.added / firstMs) * 1000 * 10) / 10,
        unit: 'docs/s',
        note: `${first.added} added, ${first.failed} failed in ${(firstMs / 1000).toFixed(1)} s; ${perDoc(firstCpu, first.added)}${first.error ? `: ${first.error}` : ''}`,
      },
      {
        name: `sharepoint source (loopback Graph): incremental sync, 10 changed among ${items}`,
        value: Math.round(incrementalMs),
        unit: 'ms',
        target: '< 5000',
        note: `${second.changed} changed, ${second.unchanged} unchanged; ${Math.round(incrementalCpu)} ms CPU`,
      },
    ];
  } finally {
    await t.close();
    await graph.close();
  }
}
