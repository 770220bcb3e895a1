/**
 * Issue 12: the local embedder's work runs in the parsing threads, not on the thread serving HTTP (1 MB
 * of CSV took 37 s of embedding there). The result must be exactly today's: the same chunks, BM25 terms
 * and vectors, for a Korean and an English document, whether threads embed (INGEST_THREADS ≥ 1) or the
 * job's own thread does (INGEST_THREADS=0).
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FileAnalyzer, FileToAnalyze } from '#core';
import { rows } from '#db';
import { createLocalEmbedder } from '../core/embedding/local-embedder.ts';
import { createInThreadAnalyzer } from '../core/ingest/analyze-file.ts';
import { createTokenCounter } from '../core/ingest/index.ts';
import { createAnalysisPool } from '../workers/analysis-pool.ts';
import { LOCAL_EMBEDDING_DIMENSIONS } from '../workers/engine.ts';
import {
  buildCollection,
  createTestEngine,
  ingestText,
  silentLogger,
  type TestEngine,
} from './support/engine.ts';

const KOREAN = `# 취업규칙

## 제1장 근무시간
근무시간은 오전 9시부터 오후 6시까지로 하며, 점심시간은 낮 12시부터 1시까지입니다.
${'시차출퇴근제를 신청한 직원은 오전 7시부터 10시 사이에 출근할 수 있습니다. '.repeat(25)}

## 제2장 휴가
연차 휴가는 입사 1년 후 15일이 부여되며, 3년마다 1일씩 늘어납니다.
${'경조사 휴가는 결혼 5일, 배우자 출산 10일, 부모 사망 5일입니다. '.repeat(25)}
`;
const ENGLISH = `# Employee handbook

## Working hours
Core hours are 10 am to 4 pm; the rest of the day is flexible.
${'Remote work needs a manager’s approval and a stable connection. '.repeat(30)}

## Expenses
${'Meals are reimbursed up to 60 EUR per day; alcohol is never reimbursed. '.repeat(30)}
`;

const dimensions = LOCAL_EMBEDDING_DIMENSIONS;
const utf8 = (text: string) => new TextEncoder().encode(text);
const input = (filename: string, text: string): FileToAnalyze => ({
  bytes: utf8(text),
  filename,
  title: filename.replace(/\.md$/, ''),
  maxBytes: 50 * 1024 * 1024,
  chunkTokens: 120,
  chunkOverlapTokens: 20,
});

describe('the parsing threads embed with the local embedder', () => {
  const pools: FileAnalyzer[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
  });

  it.each([
    ['Korean', '취업규칙.md', KOREAN],
    ['English', 'handbook.md', ENGLISH],
  ])('%s: the same chunks, terms and vectors as parsing and embedding in place', async (_, name, text) => {
    const pool = createAnalysisPool({
      threads: 1,
      timeoutMs: 60_000,
      maxMemoryMb: 512,
      logger: silentLogger,
      localEmbeddingDimensions: dimensions,
    });
    pools.push(pool);
    const embedder = createLocalEmbedder({ dimensions });
    const inPlace = await createInThreadAnalyzer(createTokenCounter()).analyze(input(name, text));
    const inPlaceVectors = await embedder.embedDocuments(inPlace.chunks.map((chunk) => chunk.indexText));

    const stages: string[] = [];
    const threaded = await pool.analyze(input(name, text), { onStage: (stage) => stages.push(stage) });
    // 'embedding' starts the embedding's own time limit, and shows on the document's progress.
    expect(stages).toEqual(['chunking', 'embedding']);
    expect(threaded.chunks.length).toBeGreaterThan(2);
    expect(threaded.chunks).toEqual(inPlace.chunks);
    expect(threaded.embedding?.model).toBe(embedder.model);
    const vectors = threaded.chunks.map((_chunk, i) =>
      Array.from(threaded.embedding!.vectors.subarray(i * dimensions, (i + 1) * dimensions)),
    );
    expect(vectors).toEqual(inPlaceVectors);
  });

  it('refuses a file with more chunks than a document may have before embedding or handing them over', async () => {
    const pool = createAnalysisPool({
      threads: 1,
      timeoutMs: 60_000,
      maxMemoryMb: 512,
      logger: silentLogger,
      localEmbeddingDimensions: dimensions,
    });
    pools.push(pool);
    await expect(pool.analyze({ ...input('handbook.md', ENGLISH), maxChunks: 1 })).rejects.toThrow(
      'This file is too large to index: it makes more than 1 passages, the most one document may have. Split it into smaller files.',
    );
    // The thread is still there for the next file.
    const next = await pool.analyze(input('handbook.md', ENGLISH));
    expect(next.chunks.length).toBeGreaterThan(1);
  });
});

describe('ingestion stores the same index with INGEST_THREADS=1 as with INGEST_THREADS=0', () => {
  let threaded: TestEngine;
  let inThread: TestEngine;
  beforeAll(async () => {
    threaded = await createTestEngine({ INGEST_THREADS: '1' });
    inThread = await createTestEngine({ INGEST_THREADS: '0' });
  });
  afterAll(async () => {
    await threaded?.close();
    await inThread?.close();
  });

  async function storedIndex(t: TestEngine, documentId: string) {
    return rows<{ position: number; text: string; heading_path: string[]; terms: string; embedding: string }>(
      t.database.db,
      sql`select c.position, c.text, c.heading_path,
                 (select string_agg(t.term || ':' || p.tf, ' ' order by t.term)
                    from lex_postings p join lex_terms t on t.id = p.term_id where p.chunk_id = c.id) as terms,
                 e.embedding::text as embedding
          from chunks c join chunk_embeddings e on e.chunk_id = c.id
          where c.document_id = ${documentId} order by c.position`,
    );
  }

  it.each([
    ['Korean', '취업규칙.md', KOREAN],
    ['English', 'handbook.md', ENGLISH],
  ])('%s document', async (_, filename, text) => {
    const embedInPlace = vi.spyOn(threaded.engine.embedder, 'embedDocuments');
    const results = [];
    for (const t of [threaded, inThread]) {
      const collection = await buildCollection(t);
      const { document } = await ingestText(t, { collectionId: collection.id, filename, text });
      expect(document.status).toBe('ready');
      results.push(await storedIndex(t, document.id));
    }
    // The threaded engine's own embedder was never asked: the vectors came from the thread.
    expect(embedInPlace).not.toHaveBeenCalled();
    embedInPlace.mockRestore();
    const [fromThreads, fromJobThread] = results;
    expect(fromThreads!.length).toBeGreaterThan(2);
    expect(fromThreads!.every((row) => row.terms && row.embedding.startsWith('['))).toBe(true);
    expect(fromThreads).toEqual(fromJobThread);
  });
});
