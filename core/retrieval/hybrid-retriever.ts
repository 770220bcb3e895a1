/**
 * Hybrid retrieval: BM25 and vector search under the asker's access, fused by weighted reciprocal rank,
 * cut to a token budget. Every step goes through `ChunkSearch`, whose SQL applies the access policy.
 *
 * Vector feedback: the query vector is moved towards the embedding of the best BM25 chunk before the
 * vector search (Rocchio pseudo-relevance feedback with one document). With the local hashing embedder
 * this lifts the vector list from 0.57 to 0.70 nDCG@10 on SciFact's train queries and the fused result
 * by about +0.007; the price is that vector search waits for BM25 (one chunk load and one embedding).
 * Without feedback the hashing vector list is too weak to help BM25 at all (fusion lost 0.01–0.05).
 */
import type { RetrievalScope, RetrievedChunk } from '../domain.ts';
import type { ChunkSearch, Embedder, LexicalQueryTerm } from '../ports.ts';
import { detectLanguage } from '../text/index.ts';
import { analyzeQuery, textForIndexing } from './analyzer.ts';
import { type FusedChunk, fuseRankings } from './fusion.ts';

export interface HybridRetrieverOptions {
  readonly search: ChunkSearch;
  readonly embedder: Embedder;
  /** Candidates taken from each list before fusion. */
  readonly lexicalLimit?: number;
  readonly vectorLimit?: number;
  readonly rrfK?: number;
  readonly weights?: { readonly lexical: number; readonly vector: number };
  /** Weight of the best BM25 chunk's embedding added to the query vector; 0 turns feedback off. */
  readonly feedbackWeight?: number;
  /**
   * The vector list's weight for this question, overriding `weights.vector` (see localEmbedderVectorWeight:
   * the local hashing vectors help English and hurt Korean).
   */
  readonly vectorWeightFor?: (question: string) => number;
  /** Query analysis (the BM25 analyzer by default); replaceable for evaluation sweeps. */
  readonly analyze?: (question: string) => LexicalQueryTerm[];
}

export interface RetrieveOptions {
  readonly limit: number;
  /** Sum of the chunks' token counts allowed; best chunks first, at least one chunk whenever any is found. */
  readonly tokenBudget?: number;
}

export interface HybridRetriever {
  retrieve(question: string, scope: RetrievalScope, options: RetrieveOptions): Promise<RetrievedChunk[]>;
}

/**
 * Tuned on SciFact's 809 train queries only (`npm run eval -- --dataset ../shared/eval/scifact --split train`):
 * hybrid nDCG@10 0.718 / recall@100 0.933, against 0.712 for BM25 alone in the same pipeline. RRF k
 * 30–100, vector weight 0.5–0.7 and feedback 0.4–0.8 all land within ±0.002 of it.
 */
export const DEFAULT_HYBRID_OPTIONS = {
  lexicalLimit: 100,
  // The vector list only has to lift good chunks near the top; 50 scores as 100 did (0.718) at half the cost.
  vectorLimit: 50,
  rrfK: 60,
  weights: { lexical: 1, vector: 0.5 },
  feedbackWeight: 0.5,
} as const;

/**
 * The local hashing embedder's vector weight for a question. Its sub-word features help English BM25 (the
 * defaults above, tuned on SciFact) but not Korean, whose BM25 terms are already stems: on msmarco-ko's
 * train split (first 1,000 queries, no feedback) hit@1 is 0.851 with BM25 alone, 0.769 fused at weight 0.2
 * and 0.748 at 0.5. For Korean, Japanese and Chinese questions the vector list only fills in behind BM25.
 */
export function localEmbedderVectorWeight(question: string): number {
  const language = detectLanguage(question);
  return language === 'ko' || language === 'ja' || language === 'zh'
    ? LOCAL_CJK_VECTOR_WEIGHT
    : DEFAULT_HYBRID_OPTIONS.weights.vector;
}

const LOCAL_CJK_VECTOR_WEIGHT = 0;

/** Keeps chunks best-first while their token counts fit the budget; never returns none when there are some. */
export function applyTokenBudget<T extends { readonly tokenCount: number }>(
  chunks: readonly T[],
  budget?: number,
): T[] {
  if (budget === undefined) return [...chunks];
  const kept: T[] = [];
  let used = 0;
  for (const chunk of chunks) {
    if (kept.length > 0 && used + chunk.tokenCount > budget) break;
    kept.push(chunk);
    used += chunk.tokenCount;
  }
  return kept;
}

function addScaled(base: readonly number[], extra: readonly number[], weight: number): number[] {
  const sum = base.map((value, i) => value + weight * (extra[i] ?? 0));
  const norm = Math.sqrt(sum.reduce((acc, value) => acc + value * value, 0));
  return norm > 0 ? sum.map((value) => value / norm) : sum;
}

export function createHybridRetriever(options: HybridRetrieverOptions): HybridRetriever {
  const { search, embedder } = options;
  const lexicalLimit = options.lexicalLimit ?? DEFAULT_HYBRID_OPTIONS.lexicalLimit;
  const vectorLimit = options.vectorLimit ?? DEFAULT_HYBRID_OPTIONS.vectorLimit;
  const rrfK = options.rrfK ?? DEFAULT_HYBRID_OPTIONS.rrfK;
  const weights = options.weights ?? DEFAULT_HYBRID_OPTIONS.weights;
  const feedbackWeight = options.feedbackWeight ?? DEFAULT_HYBRID_OPTIONS.feedbackWeight;
  const analyze = options.analyze ?? analyzeQuery;

  /** Rocchio feedback: the query vector moved towards the best BM25 chunk's embedding. */
  async function withFeedback(
    embedding: number[],
    scope: RetrievalScope,
    bestLexical: string,
  ): Promise<number[]> {
    const [top] = await search.load([bestLexical], scope);
    if (!top) return embedding;
    const [feedback] = await embedder.embedDocuments([
      textForIndexing({ title: top.title, headingPath: top.headingPath, text: top.text }),
    ]);
    return feedback ? addScaled(embedding, feedback, feedbackWeight) : embedding;
  }

  /** Both lists for fusion; the query embedding is computed while BM25 runs, feedback then needs its best chunk. */
  async function fusedLists(question: string, terms: LexicalQueryTerm[], scope: RetrievalScope) {
    const lexicalSearch = terms.length > 0 ? search.lexical(terms, scope, lexicalLimit) : Promise.resolve([]);
    const [lexical, plainEmbedding] = await Promise.all([lexicalSearch, embedder.embedQuery(question)]);
    const embedding =
      feedbackWeight > 0 && lexical[0]
        ? await withFeedback(plainEmbedding, scope, lexical[0].chunkId)
        : plainEmbedding;
    const vector = await search.vector(embedding, embedder.model, scope, vectorLimit);
    return { lexical, vector };
  }

  /**
   * A vector list of weight 0 only fills in behind BM25 (every BM25 hit outranks every vector-only one), so
   * BM25 is asked for the whole limit and the vector search (and its feedback, which only reorders the
   * fill-in) runs only when BM25 comes back short, with a short shortlist. The ranking is the fused one's
   * wherever BM25 reaches: msmarco-ko train (1,000 queries, 200 chunks each) keeps nDCG@10 0.9036 and
   * recall@100 0.976, and 375 of its queries need no vector search at all.
   */
  async function lexicalFirst(
    question: string,
    terms: LexicalQueryTerm[],
    scope: RetrievalScope,
    limit: number,
  ) {
    const lexical = terms.length > 0 ? await search.lexical(terms, scope, Math.max(lexicalLimit, limit)) : [];
    if (lexical.length >= limit) return { lexical, vector: [] };
    const embedding = await embedder.embedQuery(question);
    // Only the order of chunks BM25 missed is at stake: a short re-ranked shortlist is enough.
    const vector = await search.vector(embedding, embedder.model, scope, vectorLimit, {
      shortlist: 2 * vectorLimit,
    });
    return { lexical, vector };
  }

  return {
    async retrieve(question, scope, { limit, tokenBudget }) {
      if (limit <= 0) return [];
      const terms = analyze(question);
      const vectorWeight = options.vectorWeightFor?.(question) ?? weights.vector;
      const { lexical, vector } =
        vectorWeight > 0
          ? await fusedLists(question, terms, scope)
          : await lexicalFirst(question, terms, scope, limit);

      const fused: FusedChunk[] = fuseRankings(
        { lexical: lexical.map((hit) => hit.chunkId), vector: vector.map((hit) => hit.chunkId) },
        { k: rrfK, lexicalWeight: weights.lexical, vectorWeight },
      ).slice(0, limit);
      const loaded = new Map(
        (
          await search.load(
            fused.map((hit) => hit.chunkId),
            scope,
          )
        ).map((c) => [c.chunkId, c]),
      );
      const ranked: RetrievedChunk[] = [];
      for (const hit of fused) {
        const chunk = loaded.get(hit.chunkId);
        if (chunk)
          ranked.push({
            ...chunk,
            score: hit.score,
            lexicalRank: hit.lexicalRank,
            vectorRank: hit.vectorRank,
          });
      }
      return applyTokenBudget(ranked, tokenBudget);
    },
  };
}
