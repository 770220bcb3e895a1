/**
 * One realistic file of each format a company keeps, uploaded through the real pipeline (parsing threads,
 * OCR by Tesseract in them, PGlite + pgvector), then a Korean question about a fact inside each: the answer
 * cites a source that names the sheet, slide, section, e-mail or page the fact is on.
 *
 * The questions share their words' exact forms with the text: the extractive answerer (the default without
 * a chat model) matches whole words, so "횟수는" and "횟수" differ to it.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '#db';
import { buildHwp } from '../core/ingest/fixtures/hwp-builder.ts';
import { buildEml, buildMsg } from '../core/ingest/fixtures/mail-builders.ts';
import { buildHwpx, buildPptx, buildXlsx } from '../core/ingest/fixtures/office-builders.ts';
import { buildCollection, createTestEngine, ingestText, type TestEngine } from './support/engine.ts';

let t: TestEngine;
beforeAll(async () => {
  t = await createTestEngine({ INGEST_THREADS: '1' });
});
afterAll(async () => {
  await t?.close();
});

async function budgetPdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const line of [
    'Q3 travel budget overview',
    'The Q3 travel budget for the Hanoi office is 42,000 dollars.',
  ]) {
    pdf.addPage().drawText(line, { x: 50, y: 700, font, size: 12 });
  }
  return pdf.save();
}

const filler = (topic: string) =>
  Array.from({ length: 6 }, (_, i) => `${topic} 관련 세부 사항 ${i + 1}번은 담당 부서의 안내를 따른다.`).join(
    ' ',
  );

async function askAbout(filename: string, bytes: Uint8Array, question: string) {
  const collection = await buildCollection(t, { everyone: true });
  const { document } = await ingestText(t, { collectionId: collection.id, filename, text: bytes });
  expect(document.error).toBeNull();
  expect(document.status).toBe('ready');
  const result = await t.engine.ask.run({
    principal: t.admin,
    question,
    conversation: { platform: 'cli', channelId: null, threadId: null },
    scope: { userId: t.admin.userId, collectionIds: [collection.id] },
  });
  expect(result.answered).toBe(true);
  return result;
}

describe('documents as companies keep them', () => {
  it('HWP: a fact in a table of the second section is cited with its section', async () => {
    const bytes = buildHwp([
      [{ paragraph: '제1장 총칙' }, { paragraph: filler('총칙') }],
      [
        { paragraph: '제2장 휴가' },
        {
          table: [
            ['휴가 종류', '일수'],
            ['연차휴가', '15일'],
            ['경조휴가', '5일'],
          ],
        },
        { paragraph: filler('휴가') },
      ],
      [{ paragraph: '제3장 출장' }, { paragraph: filler('출장') }],
    ]);
    const result = await askAbout('취업규칙.hwp', bytes, '경조휴가 일수');
    expect(result.answer).toContain('경조휴가');
    expect(result.sources[0]?.section).toBe('Section 2');
    expect(result.sources[0]?.text).toContain('일수: 5일');
  });

  it('HWPX: a fact in the third section is cited with its section', async () => {
    const bytes = buildHwpx([
      [{ paragraph: filler('목적') }],
      [{ paragraph: filler('복무') }],
      [{ paragraph: '재택근무 허용 횟수는 주 2회이다.' }, { paragraph: filler('근무') }],
    ]);
    const result = await askAbout('복무규정.hwpx', bytes, '재택근무 허용 횟수는?');
    expect(result.answer).toContain('주 2회');
    expect(result.sources[0]?.section).toBe('Section 3');
  });

  it("XLSX: a cell of the second of three sheets is found by its row, under the sheet's name", async () => {
    // Sheets of realistic length (40 rows), so each is a section of its own rather than one merged chunk.
    const padded = (header: string[], last: (string | number)[], row: (i: number) => (string | number)[]) => [
      header,
      ...Array.from({ length: 39 }, (_, i) => row(i)),
      last,
    ];
    const bytes = buildXlsx([
      { name: '매출', rows: padded(['지역', '매출액'], ['제주', 300], (i) => [`지점 ${i + 1}`, 1000 + i]) },
      {
        name: '출장비 기준',
        rows: padded(['직급', '일비'], ['부장', '7만원'], (i) => [`등급 ${i + 1}`, `${i + 2}만원`]),
      },
      { name: '인원', rows: padded(['부서', '인원'], ['영업', 12], (i) => [`팀 ${i + 1}`, i + 3]) },
    ]);
    const collection = await buildCollection(t, { everyone: true });
    const { document } = await ingestText(t, {
      collectionId: collection.id,
      filename: '2026 기준표.xlsx',
      text: bytes,
    });
    expect(document.status).toBe('ready');
    // Retrieval, not the extractive answerer: it splits sentences at punctuation only, so 40 rows without
    // any read as one sentence it will not quote. A chat model answers from the same chunk.
    const [top] = await t.engine.retriever.retrieve(
      '부장 일비',
      { userId: t.admin.userId, collectionIds: [collection.id] },
      { limit: 5, tokenBudget: 3000 },
    );
    expect(top?.headingPath).toEqual(['출장비 기준']);
    expect(top?.text).toContain('직급: 부장; 일비: 7만원');
    // And the default answerer quotes that one row, cited with the sheet.
    const result = await t.engine.ask.run({
      principal: t.admin,
      question: '부장 일비는 얼마인가요?',
      conversation: { platform: 'cli', channelId: null, threadId: null },
      scope: { userId: t.admin.userId, collectionIds: [collection.id] },
    });
    expect(result.answered).toBe(true);
    expect(result.answer).toContain('부장; 일비: 7만원');
    expect(result.sources[0]?.section).toBe('출장비 기준');
  });

  it('PPTX: a fact in the speaker notes of slide 7 of 20 is cited with the slide', async () => {
    const slides = Array.from({ length: 20 }, (_, i) => ({
      title: i === 6 ? '해외 법인 설립 계획' : `사업계획 ${i + 1}`,
      body: [i === 6 ? '베트남 하노이 법인을 설립한다.' : filler(`슬라이드 ${i + 1}`)],
      ...(i === 6 ? { notes: '하노이 법인의 설립 자본금은 50만 달러로 잡았다.' } : {}),
    }));
    const result = await askAbout('2026 사업계획.pptx', buildPptx(slides), '하노이 법인의 설립 자본금은?');
    expect(result.answer).toContain('50만 달러');
    expect(result.sources[0]?.section).toMatch(/^Slide 7: 해외 법인 설립 계획/);
  });

  it('EML: a fact in the attached PDF is cited with the e-mail and the attachment', async () => {
    const bytes = buildEml({
      subject: '3분기 출장 예산 안내',
      from: '김지원 <jiwon.kim@example.co.kr>',
      date: 'Mon, 6 Jul 2026 09:30:00 +0900',
      body: `안녕하세요, 재무팀입니다. 3분기 예산을 첨부합니다.\n\n${filler('예산')}`,
      attachments: [{ filename: '3분기 예산.pdf', mimeType: 'application/pdf', bytes: await budgetPdf() }],
    });
    const result = await askAbout(
      '예산 안내.eml',
      bytes,
      'What is the Q3 travel budget for the Hanoi office?',
    );
    expect(result.answer).toContain('42,000 dollars');
    // The citation names the e-mail, the attachment and the attachment's page the fact is on.
    // The subject is the title; the section goes on from there.
    expect(result.sources[0]?.title).toBe('3분기 출장 예산 안내');
    expect(result.sources[0]?.section).toBe(
      '김지원 <jiwon.kim@example.co.kr>, 2026-07-06 00:30 UTC › Attachment: 3분기 예산.pdf',
    );
    expect(result.sources[0]?.page).toBe(2);
  });

  it('MSG: a fact in the body is cited with the subject and sender', async () => {
    const bytes = buildMsg({
      subject: '주간 회의록',
      from: '이영희',
      senderEmail: 'lee@example.co.kr',
      body: `회의 결과 신규 프로젝트 예산은 3억원으로 확정되었습니다.\n\n${filler('회의')}`,
    });
    const result = await askAbout('회의록.msg', bytes, '신규 프로젝트 예산은 얼마로 확정되었나요?');
    expect(result.answer).toContain('3억원');
    expect(result.sources[0]?.title).toBe('주간 회의록');
    expect(result.sources[0]?.section).toBe('이영희 <lee@example.co.kr>');
  });

  it('a 5-page scanned Korean PDF is read by OCR in the parsing thread; the cited chunk carries its page', async () => {
    const scan = new Uint8Array(
      readFileSync(new URL('../core/ingest/fixtures/scanned-korean.pdf', import.meta.url)),
    );
    const result = await askAbout('출장규정-스캔.pdf', scan, '해외 출장 일비는 하루 얼마인가요?');
    expect(result.answer.replaceAll(' ', '')).toContain('80달러');
    const [cited] = await rows<{ page: number | null }>(
      t.database.db,
      sql`select page from chunks where id = ${result.sources[0]?.chunkId}`,
    );
    // A chunk never crosses a page break, so its page is the fact's: page 3 (parse-scanned-pdf.test.ts).
    expect(cited?.page).toBe(3);
    expect(result.sources[0]?.page).toBe(3);
  });
});
