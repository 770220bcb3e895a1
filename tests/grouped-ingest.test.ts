/**
 * Documents ingested together share their database writes: their reads are one statement and their chunks
 * one transaction. What a user must never notice: a document in a shared write that cannot be stored fails
 * alone, every other one is ready and found (Korean and English), a new version still replaces the old one,
 * and the access filter holds for every document of the write.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '#core';
import { rows } from '#db';
import { analyzeDocument } from '../core/retrieval/analyzer.ts';
import { DATABASE_KINDS } from './support/databases.ts';
import { buildCollection, buildUser, createTestEngine, type TestEngine } from './support/engine.ts';

describe.each(DATABASE_KINDS)('on %s', (kind) => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await createTestEngine({}, { databaseKind: kind });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function upload(collectionId: string, name: string, text: string) {
    const bytes = new TextEncoder().encode(text);
    const { document } = await t.engine.documents.upsertUpload({
      collectionId,
      sourceKey: name,
      title: name,
      filename: `${name}.txt`,
      mimeType: 'text/plain',
      bytes,
      sha256: sha256Hex(bytes),
      uploadedBy: null,
    });
    return document;
  }

  async function chunkTexts(documentId: string): Promise<string[]> {
    const found = await rows<{ text: string }>(
      t.database.db,
      sql`select text from chunks where document_id = ${documentId} order by position`,
    );
    return found.map((row) => row.text);
  }

  /** BM25's statistics equal what the postings say: nothing counted twice or left behind. */
  async function expectExactStatistics() {
    const [stats] = await rows<{ chunk_count: number; total_length: number }>(
      t.database.db,
      sql`select chunk_count::int, total_length::int from lex_stats`,
    );
    const [actual] = await rows<{ n: number; total: number }>(
      t.database.db,
      sql`select count(*)::int as n, coalesce(sum(lexical_length), 0)::int as total from chunks`,
    );
    expect(stats).toEqual({ chunk_count: actual!.n, total_length: actual!.total });
    const wrongDf = await rows(
      t.database.db,
      sql`select t.term from lex_terms t
          left join (select term_id, count(*)::int as n from lex_postings group by term_id) p on p.term_id = t.id
          where t.df <> coalesce(p.n, 0)`,
    );
    expect(wrongDf).toEqual([]);
  }

  async function topTitle(question: string, userId: string): Promise<string | undefined> {
    const [top] = await t.engine.retriever.retrieve(question, { userId }, { limit: 3 });
    return top?.title;
  }

  it('documents ingested together are each read and indexed as their own, Korean and English', async () => {
    const collection = await buildCollection(t);
    const texts: [string, string][] = [
      ['출장규정', '서울 출장 일비는 하루 3만 원이며, 숙박비는 영수증을 첨부해 따로 정산합니다.'],
      ['보안수칙', 'VPN 접속은 회사 노트북에서만 허용됩니다. 비밀번호는 90일마다 바꿉니다.'],
      ['휴가안내', '연차 휴가는 입사 1년 후 15일이 주어지며, 남은 휴가는 다음 해 3월까지 씁니다.'],
      ['parking', 'Bicycles are parked in the inner courtyard; cars use level -2 of the garage.'],
      ['lockers', 'Lockers on the third floor open with the staff badge and are emptied every Friday.'],
      ['canteen', 'The canteen serves lunch from 11:30 to 14:00 and closes early on public holidays.'],
    ];
    // As a folder or a connector batch arrives: every upload and every ingestion started at once.
    const documents = await Promise.all(texts.map(([name, text]) => upload(collection.id, name, text)));
    const outcomes = await Promise.all(
      documents.map((document) => t.engine.ingestor.ingest(document.id, document.version)),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(texts.map(() => 'ready'));
    for (const [i, document] of documents.entries()) {
      expect(await chunkTexts(document.id)).toEqual([texts[i]![1]]);
      expect((await t.engine.documents.get(document.id))?.status).toBe('ready');
    }
    const reader = await buildUser(t);
    expect(await topTitle('서울의 일비는 얼마인가요?', reader.userId)).toBe('출장규정');
    expect(await topTitle('연차 휴가는 며칠인가요?', reader.userId)).toBe('휴가안내');
    expect(await topTitle('Where do I park my bicycle?', reader.userId)).toBe('parking');
    await expectExactStatistics();
  });

  it('reads several documents with their files at once, each its own, and a missing one as none', async () => {
    const collection = await buildCollection(t);
    const [first, second] = await Promise.all([
      upload(collection.id, '인사규정', '인사 평가는 매년 12월에 진행합니다.'),
      upload(collection.id, 'holidays', 'The office is closed between Christmas and New Year.'),
    ]);
    const read = await Promise.all([
      t.engine.documents.getWithFile(second!.id),
      t.engine.documents.getWithFile('00000000-0000-4000-8000-000000000000'),
      t.engine.documents.getWithFile(first!.id),
    ]);
    const decoded = read.map((found) =>
      found ? [found.document.title, new TextDecoder().decode(found.file?.bytes)] : null,
    );
    expect(decoded).toEqual([
      ['holidays', 'The office is closed between Christmas and New Year.'],
      null,
      ['인사규정', '인사 평가는 매년 12월에 진행합니다.'],
    ]);
  });

  it('a document that cannot be stored fails alone; new versions replace old ones in the same write', async () => {
    const open = await buildCollection(t);
    const finance = await buildCollection(t, { readers: ['재무팀'] });
    // A document already indexed, whose second version is written together with new documents.
    const handbook = await upload(open.id, '복리후생', '경조사 휴가는 결혼 시 5일입니다.');
    expect((await t.engine.ingestor.ingest(handbook.id, handbook.version)).status).toBe('ready');
    const changedText = '경조사 휴가는 결혼 시 7일, 자녀 결혼 시 1일입니다.';
    const handbook2 = await upload(open.id, '복리후생', changedText);
    expect(handbook2.version).toBe(2);

    const texts = {
      salary: '2026년 임원 성과급 재원은 12억 원으로 확정되었습니다.',
      travel: 'Taxi receipts over 50,000 won need the manager’s approval before they are refunded.',
      broken: '이 문서의 벡터는 모델과 크기가 맞지 않습니다.',
    };
    const salary = await upload(finance.id, '성과급', texts.salary);
    const travel = await upload(open.id, 'taxi', texts.travel);
    const broken = await upload(open.id, '깨진문서', texts.broken);
    const model = t.engine.embedder.model;
    const chunkOf = async (text: string, embedding?: number[]) => [
      {
        position: 0,
        headingPath: [],
        text,
        tokenCount: 20,
        lexical: analyzeDocument(text),
        embedding: embedding ?? (await t.engine.embedder.embedDocuments([text]))[0]!,
      },
    ];
    // Issued together, as ingestion jobs finishing at the same time are: one write (on PostgreSQL, a loaded
    // machine's learned write budget may hold one document per write), which the bad document (an
    // embedding the model cannot hold) fails, so each is then written on its own.
    const writes = [
      [handbook2.id, 2, await chunkOf(changedText)],
      [salary.id, 1, await chunkOf(texts.salary)],
      [broken.id, 1, await chunkOf(texts.broken, [0.5, 0.5])],
      [travel.id, 1, await chunkOf(texts.travel)],
    ] as const;
    const outcomes = await Promise.allSettled(
      writes.map(([id, version, chunks]) => t.engine.documents.replaceChunks(id, version, model, chunks)),
    );
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'refused'))).toEqual([
      'stored',
      'stored',
      'refused',
      'stored',
    ]);
    const statuses = await Promise.all(
      [handbook2, salary, broken, travel].map(async (d) => (await t.engine.documents.get(d.id))?.status),
    );
    expect(statuses).toEqual(['ready', 'ready', 'queued', 'ready']);
    expect(await chunkTexts(handbook.id)).toEqual([changedText]);
    expect(await chunkTexts(broken.id)).toEqual([]);
    // The first version's file is let go once the second is indexed.
    const files = await rows<{ version: number }>(
      t.database.db,
      sql`select version from document_files where document_id = ${handbook.id}`,
    );
    expect(files).toEqual([{ version: 2 }]);
    await expectExactStatistics();

    const member = await buildUser(t, { groups: ['재무팀'] });
    const outsider = await buildUser(t, { groups: ['영업팀'] });
    expect(await topTitle('임원 성과급 재원은 얼마인가요?', member.userId)).toBe('성과급');
    const seen = await t.engine.retriever.retrieve(
      '임원 성과급 재원은 얼마인가요?',
      { userId: outsider.userId },
      {
        limit: 20,
      },
    );
    expect(seen.map((hit) => hit.title)).not.toContain('성과급');
    expect(await topTitle('결혼하면 경조사 휴가는 며칠인가요?', outsider.userId)).toBe('복리후생');
    expect(await topTitle('taxi receipt approval', outsider.userId)).toBe('taxi');
  });
});
