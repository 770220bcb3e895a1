/**
 * The embedded default embedder: no model, no network. A text becomes a signed feature-hashing vector of
 * its stemmed words, adjacent word pairs and character n-grams of its words (so "vaccination" and
 * "vaccinated" share features even where stemming keeps them apart), with sublinear term frequency, L2
 * normalised. It complements BM25 with sub-word matching; it knows nothing of synonyms.
 */

import type { Embedder } from '../ports.ts';
import { analyzeText } from '../text/index.ts';

export interface HashingFeatures {
  readonly wordWeight: number;
  readonly bigramWeight: number;
  readonly charWeight: number;
  /** Character n-gram sizes, over the unstemmed word padded with boundary marks ("<vaccin>"). */
  readonly charMin: number;
  readonly charMax: number;
  /** The same for Hangul, Han and Kana words, whose syllables each carry far more than a Latin letter. */
  readonly cjkCharMin: number;
  readonly cjkCharMax: number;
}

/** Bump the version whenever a change would move any vector: the model name keeps old vectors apart. */
const ALGORITHM = 'local-hash-v2';

/**
 * Character 3–5-grams alone, tuned on SciFact's train queries (product chunking, hybrid with BM25 and
 * one-document feedback): nDCG@10 0.719 fused, versus 0.702 with words 1 + bigrams 0.5 + chars 0.3.
 * Word features mostly repeat what BM25 already ranks; sub-word overlap is what this vector adds.
 */
export const DEFAULT_HASHING_FEATURES: HashingFeatures = {
  wordWeight: 0,
  bigramWeight: 0,
  charWeight: 1,
  charMin: 3,
  charMax: 5,
  cjkCharMin: 2,
  cjkCharMax: 3,
};

const SEED_WORD = 0x9e3779b1;
const SEED_BIGRAM = 0x85ebca77;
const SEED_CHAR = 0xc2b2ae3d;

function mix(h: number): number {
  // murmur3's finaliser: spreads FNV's low-entropy bits over the whole word.
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function hashString(text: string, seed: number, start = 0, end = text.length): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix(h);
}

function countFeature(counts: Map<number, number>, hash: number, weight: number): void {
  counts.set(hash, (counts.get(hash) ?? 0) + weight);
}

/** Feature hash → weighted count for one text. Exposed for tuning experiments. */
export function hashedFeatures(text: string, features: HashingFeatures): Map<number, number> {
  const counts = new Map<number, number>();
  let previous: string | undefined;
  for (const token of analyzeText(text).tokens) {
    if (token.phraseStart) previous = undefined;
    if (token.stopword) continue;
    const word = token.term;
    if (features.wordWeight > 0) countFeature(counts, hashString(word, SEED_WORD), features.wordWeight);
    if (features.bigramWeight > 0 && previous !== undefined) {
      const pair = `${previous} ${word}`;
      countFeature(counts, hashString(pair, SEED_BIGRAM), features.bigramWeight);
    }
    previous = word;
    if (features.charWeight > 0) {
      const latin = token.script === 'latin' || token.script === 'other';
      // Korean n-grams over the stem: the particles ("는", "의") would otherwise be the commonest features.
      const padded = `<${latin ? token.surface : token.term}>`;
      const min = latin ? features.charMin : features.cjkCharMin;
      const max = latin ? features.charMax : features.cjkCharMax;
      // Each word spreads the same total weight over its n-grams, so long words do not dominate.
      const grams: number[] = [];
      for (let n = min; n <= max; n++) {
        for (let s = 0; s + n <= padded.length; s++) grams.push(hashString(padded, SEED_CHAR ^ n, s, s + n));
      }
      const share = features.charWeight / Math.sqrt(Math.max(1, grams.length));
      for (const gram of grams) countFeature(counts, gram, share);
    }
  }
  return counts;
}

export function embedWithFeatures(text: string, dimensions: number, features: HashingFeatures): number[] {
  const vector = new Float64Array(dimensions);
  for (const [hash, count] of hashedFeatures(text, features)) {
    // Sublinear tf: a word said ten times is not ten times the topic.
    const value = count >= 1 ? 1 + Math.log(count) : count;
    const slot = hash % dimensions;
    vector[slot]! += (hash & 0x80000000) !== 0 ? -value : value;
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  const out = new Array<number>(dimensions);
  // An empty text gets the zero vector; cosine distance to it is undefined, so nothing ranks it high.
  for (let i = 0; i < dimensions; i++) out[i] = norm > 0 ? vector[i]! / norm : 0;
  return out;
}

const EMBED_SLICE_MS = 20;

export interface LocalEmbedderOptions {
  readonly dimensions: number;
}

/** The local embedder's model name at this size: vectors of another name are never mixed with its own. */
export function localEmbedderModel(dimensions: number): string {
  return `${ALGORITHM}-${dimensions}`;
}

/**
 * The chunks' vectors in one array (chunk i at i × dimensions), as the parsing threads compute them
 * (workers/analysis-thread.ts): the same function as embedDocuments, so the same numbers.
 */
export function embedAllLocally(texts: readonly string[], dimensions: number): Float64Array {
  const out = new Float64Array(texts.length * dimensions);
  texts.forEach((text, i) => {
    out.set(embedWithFeatures(text, dimensions, DEFAULT_HASHING_FEATURES), i * dimensions);
  });
  return out;
}

export function createLocalEmbedder({ dimensions }: LocalEmbedderOptions): Embedder {
  if (!Number.isInteger(dimensions) || dimensions < 16 || dimensions > 2000) {
    // pgvector's HNSW index takes at most 2,000 dimensions.
    throw new RangeError(`local embedder dimensions must be an integer in 16…2000, got ${dimensions}`);
  }
  const embed = (text: string) => embedWithFeatures(text, dimensions, DEFAULT_HASHING_FEATURES);
  return {
    model: localEmbedderModel(dimensions),
    dimensions,
    embedDocuments: async (texts, signal) => {
      const vectors: number[][] = [];
      let slice = performance.now();
      for (const text of texts) {
        signal?.throwIfAborted();
        vectors.push(embed(text));
        // This runs on the thread that serves HTTP and chat: a batch of long chunks takes a few hundred
        // ms, so the event loop gets a turn every ~20 ms of embedding.
        if (performance.now() - slice > EMBED_SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          slice = performance.now();
        }
      }
      return vectors;
    },
    embedQuery: async (text, signal) => {
      signal?.throwIfAborted();
      return embed(text);
    },
  };
}
