/**
 * A PDF citation names the page the cited text is on, everywhere a source reaches a person: the REST
 * answer (what the console's Playground and the CLI show), the stored answer in GraphQL (conversations,
 * the review queue, the auditor's exact sources), the conversations export, and Slack's and Teams'
 * renderings, worded in the reader's language ("p. 3", "3쪽"). Run on PGlite and real PostgreSQL.
 */
import type { FastifyInstance } from 'fastify';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Source } from '#core';
import { translatorFor } from '#i18n';
import { sourceBlocks } from '../bot/slack/slack-blocks.ts';
import { answerActivity } from '../bot/teams/teams-message.ts';
import { buildAdminApp, gqlOk, issueToken } from './support/admin.ts';
import { DATABASE_KINDS } from './support/databases.ts';
import { buildCollection, createTestEngine, ingestText, type TestEngine } from './support/engine.ts';
import { buildPagedPdf } from './support/paged-pdf.ts';

const filler = (topic: string) =>
  Array.from({ length: 8 }, (_, i) => `${topic} 관련 세부 사항 ${i + 1}번은 담당 부서의 안내를 따른다.`).join(
    ' ',
  );

/** Four pages; the fact asked about is on page 3 only. */
const KOREAN_PAGES = [
  ['제1장 총칙', filler('총칙')],
  ['제2장 국내 출장', filler('국내 출장')],
  ['제3장 해외 출장', '해외 출장 일비는 하루 80달러이다.', filler('해외 출장')],
  ['제4장 보칙', filler('보칙')],
];

async function englishPdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const pages = [
    ['Employee handbook', 'This handbook describes how the company works.'],
    ['Working hours', 'Core working hours are from ten to four on weekdays.'],
    ['Parking', 'Visitors park on level B2 of the north garage.'],
  ];
  for (const lines of pages) {
    const page = pdf.addPage();
    lines.forEach((line, i) => {
      page.drawText(line, { x: 50, y: 700 - i * 40, font, size: 12 });
    });
  }
  return pdf.save();
}

let koreanPdf: Uint8Array;
beforeAll(async () => {
  // Titled as its author saved it: the citation shows the document's own title.
  koreanPdf = await buildPagedPdf(KOREAN_PAGES, { title: '출장규정' });
});

describe.each(DATABASE_KINDS)('PDF pages in citations on %s', (kind) => {
  let t: TestEngine;
  let app: FastifyInstance;
  let adminToken: string;
  let collectionId: string;

  beforeAll(async () => {
    // Small chunks, so each page's text is a chunk of its own and the page is the fact's page.
    t = await createTestEngine(
      { CHUNK_TOKENS: '64', CHUNK_OVERLAP_TOKENS: '0', INGEST_THREADS: '1' },
      { databaseKind: kind },
    );
    app = await buildAdminApp(t);
    adminToken = await issueToken(t.database.db, t.admin.userId);
    const collection = await buildCollection(t, { everyone: true });
    collectionId = collection.id;
    for (const [filename, bytes] of [
      ['출장규정.pdf', koreanPdf],
      ['handbook.pdf', await englishPdf()],
    ] as const) {
      const { document } = await ingestText(t, { collectionId, filename, text: bytes });
      expect(document.error).toBeNull();
      expect(document.status).toBe('ready');
    }
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  const askRest = async (question: string) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/ask',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      payload: { question, collections: [collectionId] },
    });
    expect(response.statusCode).toBe(200);
    return response.json() as { answer: string; answered: boolean; messageId: string; sources: Source[] };
  };

  it('answers a Korean question with the page of the PDF the fact is on', async () => {
    const answer = await askRest('해외 출장 일비는 하루 얼마인가요?');
    expect(answer.answered).toBe(true);
    expect(answer.answer.replaceAll(' ', '')).toContain('80달러');
    expect(answer.sources[0]).toMatchObject({ title: '출장규정', page: 3 });
    // Chromium writes a Korean font's spaces as a glyph without Unicode: they must still read as spaces.
    expect(answer.sources[0]?.snippet).toContain('해외 출장 일비는 하루 80달러');
  });

  it('answers an English question with its page, and the stored answer keeps it', async () => {
    const answer = await askRest('Where do visitors park?');
    expect(answer.answered).toBe(true);
    expect(answer.answer).toContain('B2');
    expect(answer.sources[0]).toMatchObject({ title: 'handbook', page: 3 });

    // The auditor's view of the exact sources (conversations, review queue) reads the stored copy.
    const data = await gqlOk<{
      conversations: {
        nodes: { messages: { id: string; sources: { title: string; page: number | null }[] }[] }[];
      };
    }>(
      app,
      `{ conversations(search: "visitors") { nodes { messages { id sources { title page } } } } }`,
      {},
      adminToken,
    );
    const stored = data.conversations.nodes.flatMap((c) => c.messages).find((m) => m.id === answer.messageId);
    expect(stored?.sources[0]).toEqual({ title: 'handbook', page: 3 });
  });

  it('exports each source with its page', async () => {
    const response = await app.inject({
      url: '/api/v1/exports/conversations?format=jsonl',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(response.statusCode).toBe(200);
    const lines = response.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { question: string; sources: { page: number | null }[] });
    const korean = lines.find((l) => l.question.startsWith('해외 출장'));
    expect(korean?.sources[0]?.page).toBe(3);
  });

  it('shows the page in Slack and Teams in the reader’s language', async () => {
    const answer = await askRest('해외 출장 일비는 하루 얼마인가요?');
    const sources = answer.sources.map((s) => ({ ...s, snippet: '', text: '' }));
    const slackKo = JSON.stringify(sourceBlocks(sources, translatorFor(['ko'])));
    expect(slackKo).toContain('*출처*');
    expect(slackKo).toMatch(/\*\[1\]\* \*출장규정\* · [^"]*3쪽/);
    expect(JSON.stringify(sourceBlocks(sources, translatorFor(['en'])))).toMatch(
      /\*\[1\]\* \*출장규정\* · [^"]*p\. 3/,
    );
    const teams = answerActivity(
      { messageId: answer.messageId, text: answer.answer, answered: true, shareable: false, sources },
      { citations: true, tr: translatorFor(['ko']) },
    );
    expect(JSON.stringify(teams.entities)).toMatch(/"name":"출장규정","abstract":"[^"]*3쪽 — /);
  });
});
