/**
 * Weighted reciprocal rank fusion: score(d) = Σ weight_i / (k + rank_i(d)), ranks 1-based. Only ranks
 * matter, so BM25 scores and cosine similarities never need to be made comparable.
 */
export interface FusionInput {
  /** Chunk ids, best first. */
  readonly lexical: readonly string[];
  readonly vector: readonly string[];
}

export interface FusionOptions {
  readonly k: number;
  readonly lexicalWeight: number;
  readonly vectorWeight: number;
}

export interface FusedChunk {
  readonly chunkId: string;
  readonly score: number;
  /** 1-based rank in each list, null when the list did not return the chunk. */
  readonly lexicalRank: number | null;
  readonly vectorRank: number | null;
}

export function fuseRankings(input: FusionInput, options: FusionOptions): FusedChunk[] {
  const fused = new Map<string, { score: number; lexicalRank: number | null; vectorRank: number | null }>();
  const entry = (chunkId: string) => {
    const found = fused.get(chunkId) ?? { score: 0, lexicalRank: null, vectorRank: null };
    fused.set(chunkId, found);
    return found;
  };
  input.lexical.forEach((chunkId, i) => {
    const found = entry(chunkId);
    if (found.lexicalRank !== null) return; // a duplicate keeps its best rank
    found.lexicalRank = i + 1;
    found.score += options.lexicalWeight / (options.k + i + 1);
  });
  input.vector.forEach((chunkId, i) => {
    const found = entry(chunkId);
    if (found.vectorRank !== null) return;
    found.vectorRank = i + 1;
    found.score += options.vectorWeight / (options.k + i + 1);
  });
  // Ties (equal fused score) go to the better single-list rank, then to the lexical list's order.
  const unranked = Number.MAX_SAFE_INTEGER;
  const best = (c: { lexicalRank: number | null; vectorRank: number | null }) =>
    Math.min(c.lexicalRank ?? unranked, c.vectorRank ?? unranked);
  return [...fused]
    .map(([chunkId, c]) => ({ chunkId, ...c }))
    .sort(
      (a, b) =>
        b.score - a.score || best(a) - best(b) || (a.lexicalRank ?? unranked) - (b.lexicalRank ?? unranked),
    );
}
