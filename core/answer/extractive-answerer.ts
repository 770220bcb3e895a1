import type { RetrievedChunk } from '../domain.ts';
import type { AnswerEvent, Answerer, AnswerInput } from '../ports.ts';
import { dontKnowEvents } from './answer-text.ts';
import { splitSentences } from './sentences.ts';
import { contentTerms } from './terms.ts';

/** The `model` every extractive answer is recorded with. */
export const EXTRACTIVE_MODEL = 'extractive';

export interface ExtractiveAnswererOptions {
  /** At most this many sentences are quoted (1–4, default 3). */
  readonly maxSentences?: number;
  /**
   * The best sentence must cover at least this share (0–1, default 0.4) of the question's content words,
   * each weighted by its rarity in the context; below it the answer is "I couldn't find this…". With two
   * content words, one that the context never mentions is enough to fall below it.
   */
  readonly minCoverage?: number;
}

/** One quoted sentence and the 1-based index of the context chunk it comes from. */
export interface ExtractedSentence {
  readonly text: string;
  readonly n: number;
  /** Share of the question's (idf-weighted) content words this sentence contains. */
  readonly coverage: number;
}

interface Candidate {
  readonly text: string;
  readonly n: number;
  readonly position: number;
  readonly terms: ReadonlySet<string>;
  readonly wordCount: number;
  readonly hasNumber: boolean;
}

const MAX_ANSWER_CHARS = 800;
const MAX_SENTENCE_CHARS = 400;
const QUANTITY_QUESTION =
  /\b(?:how (?:many|much|long|often|old|soon|far|early|late)|when|what (?:time|date|day|year))\b/i;
const NUMBER =
  /\p{N}|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|hundred)\b/iu;

/**
 * The no-model answerer: quotes the sentences of the retrieved chunks that best match the question, each
 * followed by its `[n]` citation. It never invents text, so what it says is always in the documents.
 */
export function createExtractiveAnswerer(options: ExtractiveAnswererOptions = {}): Answerer {
  const maxSentences = Math.min(4, Math.max(1, Math.floor(options.maxSentences ?? 3)));
  const minCoverage = options.minCoverage ?? 0.4;
  return {
    model: EXTRACTIVE_MODEL,
    async *answer(input: AnswerInput): AsyncIterable<AnswerEvent> {
      input.signal?.throwIfAborted();
      const picked = extractAnswer(input.question, input.context, { maxSentences, minCoverage });
      if (picked.length === 0) {
        yield* dontKnowEvents(EXTRACTIVE_MODEL);
        return;
      }
      let text = '';
      const cited: number[] = [];
      for (const sentence of picked) {
        const piece = `${text === '' ? '' : ' '}${sentence.text} [${sentence.n}]`;
        text += piece;
        if (!cited.includes(sentence.n)) cited.push(sentence.n);
        yield { type: 'delta', text: piece };
      }
      yield {
        type: 'done',
        text,
        cited,
        answered: true,
        model: EXTRACTIVE_MODEL,
        usage: { promptTokens: 0, completionTokens: 0 },
      };
    },
  };
}

/**
 * Picks the sentences to quote, best first; empty when the evidence is below `minCoverage`.
 * Sentences are scored by the idf-weighted share of the question's stemmed content words they contain
 * (idf over the context's sentences, so a word every sentence has counts little), plus small bonuses for
 * the chunk's retrieval rank and for a number when the question asks "how many / when".
 */
export function extractAnswer(
  question: string,
  context: readonly RetrievedChunk[],
  options: { maxSentences: number; minCoverage: number },
): ExtractedSentence[] {
  const questionTerms = [...new Set(contentTerms(question))];
  if (questionTerms.length === 0 || context.length === 0) return [];

  const candidates = collectCandidates(context);
  if (candidates.length === 0) return [];

  const idf = new Map<string, number>();
  for (const term of questionTerms) {
    let df = 0;
    for (const candidate of candidates) if (candidate.terms.has(term)) df += 1;
    // A question word absent from the context gets the highest weight: the context misses what it asks.
    idf.set(term, Math.log(1 + (candidates.length + 1) / (df + 1)));
  }
  const totalWeight = questionTerms.reduce((sum, term) => sum + (idf.get(term) ?? 0), 0);
  const weightOf = (terms: Iterable<string>) => {
    let sum = 0;
    for (const term of terms) sum += idf.get(term) ?? 0;
    return sum / totalWeight;
  };
  const asksQuantity = QUANTITY_QUESTION.test(question);

  const scored = candidates.map((candidate) => {
    const matched = questionTerms.filter((term) => candidate.terms.has(term));
    const coverage = weightOf(matched);
    let score = coverage + 0.08 / candidate.n;
    if (asksQuantity && candidate.hasNumber) score += 0.05;
    // Headings and fragments match well but answer nothing.
    if (candidate.wordCount < 4) score *= 0.6;
    else if (candidate.wordCount > 80) score *= 0.9;
    return { candidate, matched, coverage, score };
  });
  scored.sort((a, b) => b.score - a.score || a.candidate.n - b.candidate.n);

  const best = scored[0];
  if (best === undefined || best.coverage < options.minCoverage) return [];

  const selected = [best];
  const covered = new Set(best.matched);
  let length = best.candidate.text.length;
  // A further sentence must add a question word not covered yet (answering another part of the question),
  // or, once, back the best sentence up closely.
  const minSupport = options.minCoverage * 0.5;
  let corroborated = false;
  while (selected.length < options.maxSentences) {
    let next: (typeof scored)[number] | undefined;
    let nextValue = 0;
    for (const entry of scored) {
      if (selected.includes(entry) || entry.coverage < minSupport) continue;
      const gain = weightOf(entry.matched.filter((term) => !covered.has(term)));
      if (gain === 0 && (corroborated || entry.coverage < best.coverage * 0.9)) continue;
      const value = entry.score + gain;
      if (value > nextValue) {
        next = entry;
        nextValue = value;
      }
    }
    if (next === undefined || length + next.candidate.text.length > MAX_ANSWER_CHARS) break;
    selected.push(next);
    if (next.matched.every((term) => covered.has(term))) corroborated = true;
    for (const term of next.matched) covered.add(term);
    length += next.candidate.text.length;
  }

  // Best first, the rest in reading order so that sentences from one chunk read as they were written.
  const [first, ...rest] = selected;
  rest.sort((a, b) => a.candidate.n - b.candidate.n || a.candidate.position - b.candidate.position);
  return [first ?? best, ...rest].map(({ candidate, coverage }) => ({
    text: candidate.text,
    n: candidate.n,
    coverage,
  }));
}

function collectCandidates(context: readonly RetrievedChunk[]): Candidate[] {
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  context.forEach((chunk, index) => {
    splitSentences(chunk.text).forEach((sentence, position) => {
      // Overlapping chunks repeat sentences: keep the copy from the better-ranked chunk.
      const key = sentence
        .toLowerCase()
        .replace(/[^\p{L}\p{N}]+/gu, ' ')
        .trim();
      if (seen.has(key)) return;
      seen.add(key);
      // Commands and code quote badly as an answer, even when they contain the question's words.
      if (looksLikeCode(sentence)) return;
      const terms = contentTerms(sentence);
      if (terms.length === 0) return;
      candidates.push({
        text: truncate(sentence),
        n: index + 1,
        position,
        terms: new Set(terms),
        wordCount: sentence.split(/\s+/).length,
        hasNumber: NUMBER.test(sentence),
      });
    });
  });
  return candidates;
}

const CODE_MARKERS =
  /(?:^|\s)(?:--?[a-z][\w-]*|--|#|\$\(|\$\w+|curl|npm|npx|sudo|git|docker)(?:\s|$)|[{}<>|`]|=>|&&|\\$/gi;

/** A shell command, a JSON fragment or code: many code markers, or few letters among its characters. */
export function looksLikeCode(sentence: string): boolean {
  const compact = sentence.replace(/\s+/g, '');
  if (compact.length === 0) return false;
  const letters = compact.match(/\p{L}/gu)?.length ?? 0;
  const markers = sentence.match(CODE_MARKERS)?.length ?? 0;
  return letters / compact.length < 0.6 || markers >= 2;
}

function truncate(sentence: string): string {
  if (sentence.length <= MAX_SENTENCE_CHARS) return sentence;
  const cut = sentence.slice(0, MAX_SENTENCE_CHARS);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), MAX_SENTENCE_CHARS / 2))}…`;
}
