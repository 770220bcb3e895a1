import { mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '#core';
import { createSourceStore } from '../../db/sources.ts';
import { sourceKeyOf } from '../../workers/connectors/index.ts';
import { buildCollection, createTestEngine, type TestEngine } from '../support/engine.ts';
import { ask, buildSource, documentsOf, runSource } from './support.ts';

const LEAVE_KO = `# 연차 휴가 규정

입사 첫해 직원에게는 연차 휴가 15일이 주어진다. 연차 휴가는 팀장의 승인을 받아 사용한다.
사용하지 않은 연차는 다음 해 3월 31일에 소멸된다.
`;
const LEAVE_KO_CHANGED = LEAVE_KO.replace('15일', '20일');
const EXPENSES_EN = `# Expense policy

Submit expense reports within 30 days, with receipts attached, through the finance portal.
Meals with customers are reimbursed up to 80 dollars per person.
`;

describe('folder source', () => {
  let t: TestEngine;
  let dir: string;
  let collectionId: string;
  let sourceId: string;

  beforeAll(async () => {
    t = await createTestEngine({ INGEST_THREADS: '0' });
    dir = await mkdtemp(path.join(tmpdir(), 'exgpt-folder-'));
    await writeFile(path.join(dir, '연차-규정.md'), LEAVE_KO);
    await writeFile(path.join(dir, 'expenses.md'), EXPENSES_EN);
    await writeFile(path.join(dir, '.hidden.md'), 'a hidden file is never indexed');
    collectionId = (await buildCollection(t, { everyone: true })).id;
    sourceId = await buildSource(t, { kind: 'folder', collectionId, config: { path: dir } });
  });
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('indexes a Korean and an English file on its first run, and answers citing the file', async () => {
    const run = await runSource(t, sourceId);
    // Both are titled by their first heading, as uploads are: '연차-규정.md' becomes '연차 휴가 규정'.
    expect(run).toMatchObject({ state: 'idle', added: 2, changed: 0, deleted: 0, failed: 0, error: null });
    const docs = await documentsOf(t, sourceId);
    expect(docs.map((d) => [d.title, d.status])).toEqual([
      ['Expense policy', 'ready'],
      ['연차 휴가 규정', 'ready'],
    ]);

    const answer = await ask(t, t.admin, '입사 첫해 연차 휴가는 며칠인가요?');
    expect(answer.answered).toBe(true);
    expect(answer.answer).toContain('15일');
    expect(answer.sources[0]?.url).toBe(pathToFileURL(path.join(dir, '연차-규정.md')).href);

    const english = await ask(t, t.admin, 'How many days do I have to submit expense reports?');
    expect(english.answered).toBe(true);
    expect(english.sources[0]?.url).toBe(pathToFileURL(path.join(dir, 'expenses.md')).href);
  });

  it('a second run with nothing changed reads nothing again', async () => {
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ added: 0, changed: 0, unchanged: 2, deleted: 0 });
  });

  it('picks up a changed file and answers from its new text', async () => {
    const file = path.join(dir, '연차-규정.md');
    await writeFile(file, LEAVE_KO_CHANGED);
    const later = new Date(Date.now() + 60_000);
    await utimes(file, later, later);
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ added: 0, changed: 1, unchanged: 1, deleted: 0 });
    const answer = await ask(t, t.admin, '입사 첫해 연차 휴가는 며칠인가요?');
    expect(answer.answer).toContain('20일');
    expect(answer.answer).not.toContain('15일');
  });

  it('deletes a document whose file is gone, and no longer answers from it', async () => {
    await unlink(path.join(dir, 'expenses.md'));
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ deleted: 1, unchanged: 1 });
    expect((await documentsOf(t, sourceId)).map((d) => d.title)).toEqual(['연차 휴가 규정']);
    const english = await ask(t, t.admin, 'How many days do I have to submit expense reports?');
    expect(english.sources.some((s) => s.url?.endsWith('expenses.md'))).toBe(false);
  });

  it('resumes a run that crashed after storing a file but before indexing it, without a duplicate', async () => {
    const bytes = new TextEncoder().encode(EXPENSES_EN);
    await writeFile(path.join(dir, 'expenses.md'), bytes);
    // What the crashed worker left: its run started, the file stored, nothing indexed, no item recorded.
    const store = createSourceStore(t.database.db);
    const started = await store.startRun(sourceId);
    const stored = await t.engine.documents.upsertUpload({
      collectionId,
      sourceKey: sourceKeyOf(sourceId, 'expenses.md'),
      title: 'expenses',
      filename: 'expenses.md',
      mimeType: 'text/markdown',
      bytes,
      sha256: sha256Hex(bytes),
      uploadedBy: null,
    });
    expect(stored.document.status).toBe('queued');

    const run = await runSource(t, sourceId);
    expect(run.number).toBe(started.run.number);
    expect(run).toMatchObject({ state: 'idle', failed: 0, deleted: 0 });
    const docs = await documentsOf(t, sourceId);
    expect(docs.map((d) => [d.title, d.status])).toEqual([
      ['Expense policy', 'ready'],
      ['연차 휴가 규정', 'ready'],
    ]);
    const english = await ask(t, t.admin, 'How many days do I have to submit expense reports?');
    expect(english.answered).toBe(true);
  });

  it('a folder that cannot be read fails the run with a reason and deletes nothing', async () => {
    const missing = await buildSource(t, {
      kind: 'folder',
      collectionId,
      config: { path: path.join(dir, 'nope') },
    });
    const run = await runSource(t, missing);
    expect(run.state).toBe('failed');
    expect(run.error).toBe(`${path.join(dir, 'nope')} is not a folder this server can read.`);
    expect((await documentsOf(t, sourceId)).length).toBe(2);
  });
});
