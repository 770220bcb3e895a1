/**
 * Issue 12, finding 1: one large upload must not hold the embedded database (on the thread serving HTTP)
 * for its whole write, a file too large for the index fails once with a short reason, and a failed job's
 * stored and logged error never carries a statement's parameters or the document's text.
 */
import { sql } from 'drizzle-orm';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '#core';
import { rows } from '#db';
import { analyzeDocument } from '../core/retrieval/analyzer.ts';
import { createInProcessQueue } from '../workers/in-process-queue.ts';
import { createJobFailureRecorder, createJobHandlers } from '../workers/job-handlers.ts';
import {
  buildCollection,
  buildUser,
  createTestEngine,
  ingestText,
  type TestEngine,
} from './support/engine.ts';

let t: TestEngine;
beforeAll(async () => {
  t = await createTestEngine();
});
afterAll(async () => {
  await t?.close();
});

const koreanSection = (i: number) =>
  `제${i}조 연차 휴가 규정 ${i}번째 항목: 직원은 입사 후 1년이 지나면 15일의 유급 휴가를 받으며, 사용하지 않은 휴가는 다음 해 3월 31일에 소멸합니다. 문의 코드 KR-${i}-${(i * 7919) % 10007}.`;

async function upload(collectionId: string, sourceKey: string, text: string) {
  const bytes = new TextEncoder().encode(text);
  const { document } = await t.engine.documents.upsertUpload({
    collectionId,
    sourceKey,
    title: sourceKey,
    filename: `${sourceKey}.txt`,
    mimeType: 'text/plain',
    bytes,
    sha256: sha256Hex(bytes),
    uploadedBy: null,
  });
  return document;
}

async function chunkVersions(documentId: string) {
  return rows<{ document_version: number; n: number }>(
    t.database.db,
    sql`select document_version, count(*)::int as n from chunks where document_id = ${documentId}
        group by document_version order by document_version`,
  );
}

async function wrongDf(): Promise<number> {
  const wrong = await rows(
    t.database.db,
    sql`select t.term from lex_terms t
        left join (select term_id, count(*)::int as n from lex_postings group by term_id) p on p.term_id = t.id
        where t.df <> coalesce(p.n, 0)`,
  );
  const [stats] = await rows<{ off: number }>(
    t.database.db,
    sql`select (select chunk_count from lex_stats) - (select count(*) from chunks) as off`,
  );
  return wrong.length + Math.abs(Number(stats?.off ?? 0));
}

describe('a large document is written in parts', () => {
  it('lets a question asked during the write be answered before the write ends, and ends with one exact version', async () => {
    const collection = await buildCollection(t, { everyone: true });
    const texts = Array.from({ length: 300 }, (_, i) => koreanSection(i));
    const document = await upload(collection.id, '취업규칙', texts.join('\n'));
    const vectors = await t.engine.embedder.embedDocuments(texts);
    const chunks = (version: number) =>
      texts.map((text, i) => ({
        position: i,
        headingPath: [`v${version}`],
        text,
        tokenCount: 40,
        lexical: analyzeDocument(text),
        embedding: vectors[i]!,
      }));
    const model = t.engine.embedder.model;
    expect(await t.engine.documents.replaceChunks(document.id, 1, model, chunks(1))).toBe('stored');

    // Version 2 replaces it while someone asks.
    const second = await upload(collection.id, '취업규칙', `${texts.join('\n')}\n개정`);
    expect(second.version).toBe(2);
    const finished: string[] = [];
    const write = t.engine.documents
      .replaceChunks(document.id, 2, model, chunks(2))
      .then((outcome) => finished.push(`write ${outcome}`));
    // Two turns of the event loop later, as an HTTP request arriving during the write would.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const member = await buildUser(t);
    const ask = t.engine.retriever
      .retrieve('연차 휴가는 며칠인가요?', { userId: member.userId }, { limit: 8 })
      .then(() => finished.push('ask answered'));
    await Promise.all([write, ask]);
    expect(finished).toEqual(['ask answered', 'write stored']);

    expect(await chunkVersions(document.id)).toEqual([{ document_version: 2, n: 300 }]);
    const stored = await t.engine.documents.get(document.id);
    expect(stored).toMatchObject({ status: 'ready', chunkCount: 300, indexedVersion: 2, error: null });
    expect(await wrongDf()).toBe(0);
    const found = await t.engine.retriever.retrieve(
      '연차 휴가 소멸',
      { userId: member.userId },
      { limit: 3 },
    );
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]!.documentId).toBe(document.id);
  });

  it('leaves nothing of a version that became stale while it was written', async () => {
    const collection = await buildCollection(t, { everyone: true });
    const texts = Array.from({ length: 120 }, (_, i) => koreanSection(i + 1000));
    const document = await upload(collection.id, '보안규정', texts.join('\n'));
    const vectors = await t.engine.embedder.embedDocuments(texts);
    const chunks = texts.map((text, i) => ({
      position: i,
      headingPath: [],
      text,
      tokenCount: 40,
      lexical: analyzeDocument(text),
      embedding: vectors[i]!,
    }));
    // The new version's file is received first (as REST does while it streams), so only its row's
    // commit falls inside the write, not the file's write and fsync.
    const newVersion = await t.engine.files.receive(new TextEncoder().encode('새 버전'));
    const write = t.engine.documents.replaceChunks(document.id, 1, t.engine.embedder.model, chunks);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    await t.engine.documents.upsertUpload({
      collectionId: collection.id,
      sourceKey: '보안규정',
      title: '보안규정',
      filename: '보안규정.txt',
      mimeType: 'text/plain',
      file: newVersion,
      uploadedBy: null,
    });
    await newVersion.discard();
    expect(await write).toBe('stale');
    expect(await chunkVersions(document.id)).toEqual([]);
    expect(await wrongDf()).toBe(0);
  });
});

describe('a CSV of UUIDs', () => {
  it('is found by a pasted order id, and its vocabulary holds the ids whole, not their fragments', async () => {
    const collection = await buildCollection(t, { everyone: true });
    const teams = ['인사팀', '재무팀', '영업본부', '연구소'];
    const ids = Array.from({ length: 400 }, () => crypto.randomUUID());
    const csv = [
      '주문번호,담당 부서,금액,메모',
      ...ids.map((id, i) => `${id},${teams[i % 4]},${(i * 7919) % 100000}원,${i}번째 주문`),
    ].join('\n');
    const termsBefore = await termCount();
    const { document } = await ingestText(t, {
      collectionId: collection.id,
      filename: '주문대장.csv',
      text: csv,
    });
    expect(document.status).toBe('ready');

    const wanted = ids[257]!;
    const hits = await t.engine.retriever.retrieve(
      `주문 ${wanted} 담당 부서가 어디인가요?`,
      { userId: t.admin.userId, collectionIds: [collection.id] },
      { limit: 3 },
    );
    expect(hits[0]?.text).toContain(wanted);

    // A row adds its UUID, amount and number (~4 terms), not ~40 (a UUID gave ~20 fragments like "b" and "9e",
    // and as many pairs).
    const added = (await termCount()) - termsBefore;
    expect(added).toBeLessThan(ids.length * 8);
    const [fragments] = await rows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from lex_terms where term in (${wanted.slice(0, 8)}, ${wanted.slice(9, 13)})`,
    );
    expect(fragments?.n).toBe(0);
  });
});

async function termCount(): Promise<number> {
  const [row] = await rows<{ n: number }>(t.database.db, sql`select count(*)::int as n from lex_terms`);
  return row?.n ?? 0;
}

describe('a file too large for the index', () => {
  it('fails once, at once, with a short reason in the uploader terms', async () => {
    const small = await createTestEngine({ MAX_DOCUMENT_CHUNKS: '20' });
    try {
      const collection = await buildCollection(small, { everyone: true });
      const text = Array.from({ length: 60 }, (_, i) => `${koreanSection(i)} ${koreanSection(i + 1)}`).join(
        '\n\n',
      );
      const { document } = await ingestText(small, {
        collectionId: collection.id,
        filename: '큰파일.txt',
        text,
      });
      expect(document.status).toBe('failed');
      expect(document.error).toMatch(
        /^This file is too large to index: it makes more than 20 passages, the most one document may have\. Split it into smaller files\.$/,
      );
      expect(small.queue.stats().failed).toBe(1);
      const [{ n }] = (await rows<{ n: number }>(
        small.database.db,
        sql`select count(*)::int as n from chunks where document_id = ${document.id}`,
      )) as [{ n: number }];
      expect(n).toBe(0);
    } finally {
      await small.close();
    }
  });
});

describe('a failed job error', () => {
  it('is stored and logged short, without the statement parameters or the document text', async () => {
    const collection = await buildCollection(t, { everyone: true });
    const document = await upload(collection.id, '비밀문서', '임원 보수 규정');
    const vocabulary = '비밀스러운어휘 '.repeat(200_000);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const handlers = createJobHandlers({
      ...{ documents: t.engine.documents, logger, db: t.database.db, batchSize: 16 },
      embedderFor: () => t.engine.embedder,
      ingestor: {
        async ingest() {
          throw new DrizzleQueryError(
            'insert into lex_terms select * from jsonb_to_recordset($1)',
            [vocabulary],
            Object.assign(new Error('out of memory'), { code: '53200' }),
          );
        },
      },
    });
    const queue = createInProcessQueue({
      handlers,
      logger,
      concurrency: 1,
      maxAttempts: 2,
      backoffMs: 1,
      onFailed: createJobFailureRecorder({ documents: t.engine.documents, logger }),
    });
    await queue.enqueue('ingest-document', { documentId: document.id, version: 1 });
    await queue.drain();
    await queue.close();
    const failed = await t.engine.documents.get(document.id);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toBe('Indexing failed: out of memory');
    const logged = lines.join('');
    expect(logged).toContain('out of memory');
    expect(logged).not.toContain('비밀스러운어휘');
    expect(logged).not.toContain('jsonb_to_recordset');
    expect(logged.length).toBeLessThan(20_000);
  });
});
