/**
 * Text → terms for BM25. Documents and queries go through the same steps so their terms meet:
 * NFKC + lowercase, Unicode word tokens (letters, marks, digits; "covid-19", "il-6", "2.5" stay whole),
 * English stopwords out, Porter stemming, and adjacent-term bigrams as extra proximity terms.
 */
import type { LexicalDoc, LexicalQueryTerm } from '../ports.ts';
import { type TokenStream, tokenize } from './tokenizer.ts';

export interface AnalyzerOptions {
  /** Index adjacent-term pairs ("insulin resist") as extra terms; they never count towards the length. */
  readonly bigrams: boolean;
  /** Query weight of a bigram term relative to a unigram. */
  readonly bigramWeight: number;
  /** "il-6" also yields the joined term "il6", so "IL6" and "IL-6" meet; weight of that term in queries. */
  readonly joinedWeight: number;
}

export const DEFAULT_ANALYZER_OPTIONS: AnalyzerOptions = {
  bigrams: true,
  bigramWeight: 0.2,
  joinedWeight: 0.5,
};

function addTerm(terms: Map<string, number>, term: string, weight: number): void {
  terms.set(term, (terms.get(term) ?? 0) + weight);
}

const BIGRAM_SEPARATOR = ' ';

function bigramsOf(stream: TokenStream, each: (bigram: string) => void): void {
  const { words, breaks } = stream;
  for (let i = 1; i < words.length; i++) {
    if (breaks.has(i)) continue;
    each(`${words[i - 1]}${BIGRAM_SEPARATOR}${words[i]}`);
  }
}

export interface Analyzer {
  analyzeDocument(text: string): LexicalDoc;
  analyzeQuery(text: string): LexicalQueryTerm[];
}

export function createAnalyzer(options: Partial<AnalyzerOptions> = {}): Analyzer {
  const settings = { ...DEFAULT_ANALYZER_OPTIONS, ...options };
  return {
    analyzeDocument(text) {
      const stream = tokenize(text);
      const terms = new Map<string, number>();
      for (const word of stream.words) addTerm(terms, word, 1);
      for (const word of stream.joined) if (!terms.has(word)) addTerm(terms, word, 1);
      if (settings.bigrams) bigramsOf(stream, (bigram) => addTerm(terms, bigram, 1));
      return { terms, length: stream.words.length };
    },
    analyzeQuery(text) {
      const stream = tokenize(text);
      const weights = new Map<string, number>();
      for (const word of stream.words) addTerm(weights, word, 1);
      if (settings.joinedWeight > 0) {
        for (const word of stream.joined)
          if (!weights.has(word)) addTerm(weights, word, settings.joinedWeight);
      }
      if (settings.bigrams && settings.bigramWeight > 0) {
        bigramsOf(stream, (bigram) => addTerm(weights, bigram, settings.bigramWeight));
      }
      return [...weights].map(([term, weight]) => ({ term, weight }));
    },
  };
}

const defaultAnalyzer = createAnalyzer();

export function analyzeDocument(text: string): LexicalDoc {
  return defaultAnalyzer.analyzeDocument(text);
}

export function analyzeQuery(text: string): LexicalQueryTerm[] {
  return defaultAnalyzer.analyzeQuery(text);
}

export interface IndexableChunk {
  readonly title: string;
  readonly headingPath: readonly string[];
  readonly text: string;
}

/**
 * The text a chunk is indexed under (BM25 and embedding): the document title and its section path
 * before the chunk text, so a chunk deep in a document still matches what the document is about.
 * The title is written twice: a field boost for BM25 (+0.003 nDCG@10 on SciFact train, 0.719 vs 0.717),
 * harmless to an embedding model.
 */
export function textForIndexing({ title, headingPath, text }: IndexableChunk): string {
  const heads = headingPath.filter((heading, i) => heading.trim() !== '' && (i > 0 || heading !== title));
  const titled = title.trim() === '' ? [] : [title, title];
  return [...titled, ...heads, text].filter((part) => part.trim() !== '').join('\n');
}
