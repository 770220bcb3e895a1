import { describe, expect, it } from 'vitest';
import type { RetrievalScope, RetrievedChunk } from '../domain.ts';
import type { ChunkSearch, Embedder, LexicalQueryTerm } from '../ports.ts';
import { applyTokenBudget, createHybridRetriever } from './hybrid-retriever.ts';

type Stored = Omit<RetrievedChunk, 'score' | 'lexicalRank' | 'vectorRank'>;

function stored(chunkId: string, tokenCount: number, collectionId = 'open'): Stored {
  return {
    chunkId,
    documentId: `doc-${chunkId}`,
    documentVersion: 1,
    collectionId,
    title: `Title ${chunkId}`,
    sourceUrl: null,
    headingPath: [],
    page: null,
    position: 0,
    text: `text of ${chunkId}`,
    tokenCount,
  };
}

/** A ChunkSearch over fixed result lists; `load` hides the chunks of collection "secret". */
function fakeSearch(lexical: string[], vector: string[], chunks: Stored[]) {
  const calls: { vectorQuery?: readonly number[]; lexicalTerms?: readonly LexicalQueryTerm[] } = {};
  const search: ChunkSearch = {
    async lexical(terms, _scope, limit) {
      calls.lexicalTerms = terms;
      return lexical.slice(0, limit).map((chunkId, i) => ({ chunkId, score: 10 - i }));
    },
    async vector(embedding, _model, _scope, limit) {
      calls.vectorQuery = embedding;
      return vector.slice(0, limit).map((chunkId, i) => ({ chunkId, score: 1 - i / 10 }));
    },
    async load(ids, _scope: RetrievalScope) {
      return ids.flatMap((id) => chunks.filter((c) => c.chunkId === id && c.collectionId !== 'secret'));
    },
  };
  return { search, calls };
}

const embedder: Embedder = {
  model: 'fake-2',
  dimensions: 2,
  embedDocuments: async (texts) => texts.map(() => [0, 1]),
  embedQuery: async () => [1, 0],
};

describe('applyTokenBudget', () => {
  const chunks = [stored('a', 300), stored('b', 200), stored('c', 100)];
  it('keeps best-first chunks while they fit', () => {
    expect(applyTokenBudget(chunks, 550).map((c) => c.chunkId)).toEqual(['a', 'b']);
    expect(applyTokenBudget(chunks, 600).map((c) => c.chunkId)).toEqual(['a', 'b', 'c']);
    expect(applyTokenBudget(chunks).map((c) => c.chunkId)).toEqual(['a', 'b', 'c']);
  });
  it('always keeps the best chunk, even when it alone exceeds the budget', () => {
    expect(applyTokenBudget(chunks, 10).map((c) => c.chunkId)).toEqual(['a']);
    expect(applyTokenBudget([], 10)).toEqual([]);
  });
});

describe('hybrid retriever', () => {
  it('fuses both lists, loads under the scope and cuts to the limit and budget', async () => {
    const chunks = [stored('1', 100), stored('2', 100), stored('3', 100), stored('4', 100)];
    const { search } = fakeSearch(['1', '2', '3'], ['3', '4', '1'], chunks);
    const retriever = createHybridRetriever({
      search,
      embedder,
      rrfK: 60,
      weights: { lexical: 1, vector: 1 },
    });
    const found = await retriever.retrieve('salary policy', { userId: 'u' }, { limit: 3 });
    expect(found.map((c) => c.chunkId)).toEqual(['1', '3', '2']);
    expect(found[0]).toMatchObject({ lexicalRank: 1, vectorRank: 3, title: 'Title 1' });
    expect(found[0]!.score).toBeCloseTo(1 / 61 + 1 / 63, 12);
    const budgeted = await retriever.retrieve(
      'salary policy',
      { userId: 'u' },
      { limit: 3, tokenBudget: 250 },
    );
    expect(budgeted.map((c) => c.chunkId)).toEqual(['1', '3']);
  });

  it('drops ids that load does not return (no access) instead of showing them', async () => {
    const chunks = [stored('1', 10, 'secret'), stored('2', 10)];
    const { search } = fakeSearch(['1', '2'], ['1'], chunks);
    const found = await createHybridRetriever({ search, embedder }).retrieve(
      'q',
      { userId: 'u' },
      { limit: 5 },
    );
    expect(found.map((c) => c.chunkId)).toEqual(['2']);
  });

  it('moves the query vector towards the best BM25 chunk when feedback is on', async () => {
    const chunks = [stored('1', 10)];
    const withFeedback = fakeSearch(['1'], [], chunks);
    await createHybridRetriever({ search: withFeedback.search, embedder, feedbackWeight: 1 }).retrieve(
      'q',
      { userId: 'u' },
      { limit: 1 },
    );
    expect(withFeedback.calls.vectorQuery?.[0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(withFeedback.calls.vectorQuery?.[1]).toBeCloseTo(Math.SQRT1_2, 12);
    const without = fakeSearch(['1'], [], chunks);
    await createHybridRetriever({ search: without.search, embedder, feedbackWeight: 0 }).retrieve(
      'q',
      { userId: 'u' },
      { limit: 1 },
    );
    expect(without.calls.vectorQuery).toEqual([1, 0]);
  });

  it('with a vector weight of 0, BM25 fills the list and the vector search only tops it up', async () => {
    const chunks = ['1', '2', '3', '4'].map((id) => stored(id, 10));
    const korean = '서울 출장 일비는 얼마인가요?';
    const full = fakeSearch(['1', '2', '3'], ['4', '1'], chunks);
    const retriever = (search: ChunkSearch) =>
      createHybridRetriever({ search, embedder, feedbackWeight: 0.5, vectorWeightFor: () => 0 });
    const enough = await retriever(full.search).retrieve(korean, { userId: 'u' }, { limit: 2 });
    expect(enough.map((c) => c.chunkId)).toEqual(['1', '2']);
    expect(full.calls.vectorQuery).toBeUndefined();

    const short = fakeSearch(['1', '2', '3'], ['4', '1'], chunks);
    const topped = await retriever(short.search).retrieve(korean, { userId: 'u' }, { limit: 5 });
    expect(topped.map((c) => c.chunkId)).toEqual(['1', '2', '3', '4']);
    // Feedback would only reorder the top-up, so the plain question vector is used.
    expect(short.calls.vectorQuery).toEqual([1, 0]);
  });

  it('asks nothing of BM25 for a question without terms', async () => {
    const { search, calls } = fakeSearch(['1'], ['1'], [stored('1', 10)]);
    const found = await createHybridRetriever({ search, embedder }).retrieve(
      'the of and',
      { userId: 'u' },
      { limit: 3 },
    );
    expect(calls.lexicalTerms).toBeUndefined();
    expect(found.map((c) => c.chunkId)).toEqual(['1']);
  });
});
