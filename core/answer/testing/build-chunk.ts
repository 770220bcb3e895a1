import type { RetrievedChunk } from '../../domain.ts';

let next = 0;

/** A retrieved chunk for tests; pass what the test is about, the rest is filled in. */
export function buildChunk(overrides: Partial<RetrievedChunk> & { text: string }): RetrievedChunk {
  next += 1;
  return {
    chunkId: `chunk-${next}`,
    documentId: `document-${next}`,
    documentVersion: 1,
    collectionId: 'collection-1',
    title: `Document ${next}`,
    sourceUrl: null,
    headingPath: [],
    position: 0,
    tokenCount: Math.ceil(overrides.text.length / 4),
    score: 1 / next,
    lexicalRank: 1,
    vectorRank: 1,
    ...overrides,
    page: overrides.page ?? null,
  };
}
