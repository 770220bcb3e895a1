/**
 * Korean (and Japanese, German) documents through the product path: ingest, then retrieval with the
 * engine's own retriever, as a user would ask. Also: an install indexed by the previous text analysis
 * moves to the current one in the background (reindex-lexical) without its Korean chunks going missing.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEXICAL_ANALYSIS_VERSION, legacyQueryTerms, withLegacyQueryTerms } from '#core';
import { createChunkSearch, rewriteChunkPostings, rows } from '#db';
import { analyzeQuery } from '../core/retrieval/analyzer.ts';
import { scheduleLexicalReindexIfNeeded } from '../workers/recovery.ts';
import {
  buildCollection,
  buildUser,
  createTestEngine,
  ingestText,
  silentLogger,
  type TestEngine,
} from './support/engine.ts';

let t: TestEngine;

beforeAll(async () => {
  t = await createTestEngine();
});

afterAll(async () => {
  await t.close();
});

async function titlesFor(question: string, userId: string, collectionIds?: string[]) {
  const hits = await t.engine.retriever.retrieve(
    question,
    { userId, ...(collectionIds ? { collectionIds } : {}) },
    { limit: 3 },
  );
  return hits.map((hit) => hit.title);
}

describe('Korean, Japanese and German retrieval', () => {
  let collectionId: string;
  beforeAll(async () => {
    collectionId = (await buildCollection(t)).id;
    const documents: [string, string][] = [
      ['출장 규정.md', '# 출장 규정\n\n서울 출장 일비는 하루 3만 원이며, 2015년부터 적용합니다.'],
      [
        '보안 수칙.md',
        '# 보안 수칙\n\nVPN 접속은 회사 노트북에서만 허용됩니다. 비밀번호는 90일마다 바꿉니다.',
      ],
      ['휴가 안내.md', '# 휴가 안내\n\n연차 휴가는 입사 1년 후 15일이 주어집니다.'],
      ['出張規程.txt', '東京への出張の日当は一日五千円です。宿泊費は別途精算します。'],
      [
        'Passwortregeln.txt',
        'Ein Passwort muss mindestens zwölf Zeichen lang sein und wird jährlich geändert.',
      ],
    ];
    for (const [filename, text] of documents) {
      const { document } = await ingestText(t, { collectionId, filename, text });
      expect(document.status).toBe('ready');
    }
  });

  it('finds a Korean document from differently inflected words ("서울에서의 일비가" finds "서울 … 일비는")', async () => {
    const [best] = await titlesFor('서울에서의 일비가 궁금해요', t.admin.userId);
    expect(best).toBe('출장 규정');
    const [year] = await titlesFor('2015년에 바뀐 규정', t.admin.userId);
    expect(year).toBe('출장 규정');
  });

  it('answers mixed Korean and English questions', async () => {
    const [best] = await titlesFor('VPN 접속 방법', t.admin.userId);
    expect(best).toBe('보안 수칙');
  });

  it('finds a Japanese word inside a sentence written without spaces', async () => {
    const [best] = await titlesFor('日当', t.admin.userId);
    expect(best).toBe('出張規程');
  });

  it('finds a German document', async () => {
    const [best] = await titlesFor('Wie lang muss ein Passwort sein?', t.admin.userId);
    expect(best).toBe('Passwortregeln');
  });

  it('never shows a Korean chunk from a collection the asker cannot read', async () => {
    const secret = await buildCollection(t, { readers: ['인사팀'] });
    await ingestText(t, {
      collectionId: secret.id,
      filename: '연봉 테이블.md',
      text: '# 연봉 테이블\n\n서울 본사 직원의 연봉 인상률은 5%입니다.',
    });
    const outsider = await buildUser(t);
    const insider = await buildUser(t, { groups: ['인사팀'] });
    expect(await titlesFor('서울 본사의 연봉 인상률은?', outsider.userId)).not.toContain('연봉 테이블');
    expect((await titlesFor('서울 본사의 연봉 인상률은?', insider.userId))[0]).toBe('연봉 테이블');
  });
});

describe('re-indexing after the text analysis changed', () => {
  it('moves chunks indexed by the previous analysis to the current one, finding them all along', async () => {
    const db = t.database.db;
    const collection = await buildCollection(t);
    const { document } = await ingestText(t, {
      collectionId: collection.id,
      filename: '경조사 규정.md',
      text: '# 경조사 규정\n\n결혼식에는 축하금으로 50만 원을 지급합니다.',
    });
    const chunkIds = await rows<{ id: number; text: string }>(
      db,
      sql`select id, text from chunks where document_id = ${document.id}`,
    );
    // Make it look like an install from before this analysis: whole words as terms, version 1.
    await db.execute(sql`update chunks set lexical_version = 1 where document_id = ${document.id}`);
    await rewriteChunkPostings(
      db,
      LEXICAL_ANALYSIS_VERSION,
      chunkIds.map(({ id, text }) => {
        const words = legacyQueryTerms(`경조사 규정\n${text}`).map(({ term }) => term);
        return {
          chunkId: Number(id),
          lexical: { terms: new Map(words.map((w) => [w, 1])), length: words.length },
        };
      }),
    );
    await db.execute(sql`update chunks set lexical_version = 1 where document_id = ${document.id}`);

    const search = createChunkSearch(db);
    const scope = { userId: t.admin.userId, collectionIds: [collection.id] };
    // Worded as the document words it: the previous analysis matched whole words only.
    const question = '결혼식에는 축하금으로 얼마를 주나요?';
    expect(await search.lexical(analyzeQuery(question), scope, 5)).toEqual([]);
    // Meanwhile the retriever adds the old analysis's terms, so the answer does not go missing.
    expect(
      await search.lexical(withLegacyQueryTerms(analyzeQuery(question), question), scope, 5),
    ).toHaveLength(chunkIds.length);

    expect(await scheduleLexicalReindexIfNeeded({ db, queue: t.queue, logger: silentLogger })).toBe(true);
    await t.queue.drain();
    expect(await search.lexical(analyzeQuery(question), scope, 5)).toHaveLength(chunkIds.length);
    expect(await scheduleLexicalReindexIfNeeded({ db, queue: t.queue, logger: silentLogger })).toBe(false);

    // BM25's statistics still equal what the postings say.
    const [stats] = await rows<{ stale: number; drift: number; length_ok: boolean }>(
      db,
      sql`select
            (select count(*) from lex_terms t
              where t.df <> (select count(*) from lex_postings p where p.term_id = t.id))::int as drift,
            (select total_length from lex_stats) = (select coalesce(sum(lexical_length), 0) from chunks) as length_ok,
            (select count(*) from chunks where lexical_version <> ${LEXICAL_ANALYSIS_VERSION})::int as stale`,
    );
    expect(stats).toEqual({ stale: 0, drift: 0, length_ok: true });
  });
});
