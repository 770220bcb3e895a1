/**
 * The word tokenizer shared by the BM25 analyzer and the local embedder, so both see the same words:
 * NFKC + lowercase, Unicode word tokens (letters, marks, digits with inner joiners, so "covid-19",
 * "il-6" and "2.5" arrive whole), possessive 's dropped, English stopwords out, Porter stemming.
 */
import { stemmer } from 'stemmer';
import { ENGLISH_STOPWORDS } from './stopwords.ts';

/** A word: letters/marks/digits, with single inner joiners (hyphens, dots, slashes, apostrophes). */
const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’\-‐‑_./]+[\p{L}\p{M}\p{N}]+)*/gu;
const JOINER = /['’\-‐‑_./]+/u;
const DECIMAL = /^\p{N}+(?:[.,]\p{N}+)*$/u;
const POSSESSIVE = /['’]s$/u;
/** Word-delimiter split points: between a letter and a digit ("il6" → "il", "6"; "h1n1" → "h", "1", "n", "1"). */
const LETTER_DIGIT = /(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u;
/** Greek letters as their names: biomedical text writes both "TNF-α" and "TNF-alpha". */
const GREEK: Record<string, string> = {
  α: 'alpha',
  β: 'beta',
  γ: 'gamma',
  δ: 'delta',
  ε: 'epsilon',
  ζ: 'zeta',
  η: 'eta',
  θ: 'theta',
  ι: 'iota',
  κ: 'kappa',
  λ: 'lambda',
  μ: 'mu',
  ν: 'nu',
  ξ: 'xi',
  ο: 'omicron',
  π: 'pi',
  ρ: 'rho',
  σ: 'sigma',
  ς: 'sigma',
  τ: 'tau',
  υ: 'upsilon',
  φ: 'phi',
  χ: 'chi',
  ψ: 'psi',
  ω: 'omega',
};
const GREEK_LETTER = /[α-ω]/gu;
const ENDS_WITH_LETTER = /\p{L}$/u;
/** Between two tokens, these end a phrase: bigrams never cross them. */
const PHRASE_END = /[.!?;:\n()[\]{}]/u;

export interface TokenStream {
  /** Stemmed words in text order, stopwords removed; compounds contribute their parts ("il", "6"). */
  readonly words: string[];
  /** The unstemmed form of each entry of `words` (same index). */
  readonly surfaces: string[];
  /** Stemmed joined forms of compound tokens ("il6", "covid19"). */
  readonly joined: string[];
  /** Indexes into `words` where a new phrase starts. */
  readonly breaks: ReadonlySet<number>;
}

const stemCache = new Map<string, string>();
const STEM_CACHE_LIMIT = 200_000;

function stem(word: string): string {
  // Porter is defined for English letters; numbers and codes ending in digits ("h1n1") stay as they are.
  if (word.length <= 2 || !ENDS_WITH_LETTER.test(word)) return word;
  let stemmed = stemCache.get(word);
  if (stemmed === undefined) {
    stemmed = stemmer(word);
    if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
    stemCache.set(word, stemmed);
  }
  return stemmed;
}

export function tokenize(text: string): TokenStream {
  const words: string[] = [];
  const surfaces: string[] = [];
  const joined: string[] = [];
  const breaks = new Set<number>();
  const normalized = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(GREEK_LETTER, (letter) => `-${GREEK[letter] ?? letter}-`);
  let last = 0;
  const push = (surface: string) => {
    if (ENGLISH_STOPWORDS.has(surface)) return;
    words.push(stem(surface));
    surfaces.push(surface);
  };
  for (const match of normalized.matchAll(TOKEN)) {
    if (match.index > last && PHRASE_END.test(normalized.slice(last, match.index))) breaks.add(words.length);
    last = match.index + match[0].length;
    const raw = match[0].replace(POSSESSIVE, '');
    if (DECIMAL.test(raw)) {
      push(raw);
      continue;
    }
    const parts = raw.split(JOINER).flatMap((part) => (part.length > 0 ? part.split(LETTER_DIGIT) : []));
    if (parts.length === 1) {
      push(raw);
      continue;
    }
    for (const part of parts) push(part);
    if (parts.length > 1) joined.push(stem(parts.join('')));
  }
  return { words, surfaces, joined, breaks };
}
