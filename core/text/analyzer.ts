/**
 * The one text analyzer: text → tokens, built like Lucene's (a segmenter per script run, then per-language
 * filters). NFKC + lowercase, then Unicode word tokens ("covid-19", "il-6", "2.5" arrive whole), each split
 * into script runs:
 * - Latin, Cyrillic, Greek, digits: words; English stopwords out; Porter stemming for Latin words.
 * - Hangul: one word per space-separated 어절, its particles and endings stripped ("서울의" → "서울"); a
 *   measured choice over Lucene's CJKAnalyzer bigrams (see HangulIndexing).
 * - Han and Kana (Japanese, Chinese): ICU's dictionary word segmentation (`Intl.Segmenter`), plus character
 *   bigrams of longer words, since ICU's dictionary and a document's vocabulary do not always agree.
 */
import { stemmer } from 'stemmer';
import { isKoreanSuffix, stripKoreanSuffix } from './korean-suffixes.ts';
import { ENGLISH_STOPWORDS, JAPANESE_CHINESE_STOPWORDS, KOREAN_STOPWORDS } from './stopwords.ts';

export type Script = 'latin' | 'hangul' | 'cjk' | 'other';

export interface Token {
  /** The normalised word: Porter-stemmed (Latin), particle-stripped (Korean), as segmented (Japanese, Chinese). */
  readonly term: string;
  /** The word as written, after NFKC and lowercasing ("서울의", "vaccinations"). */
  readonly surface: string;
  /** Terms a full-text index stores for this word: `term`, and character bigrams of Japanese/Chinese words. */
  readonly indexTerms: readonly string[];
  readonly script: Script;
  /** A function word ("the", "및", "の"): kept in the stream so callers can see it, skipped for matching. */
  readonly stopword: boolean;
  /** The first token after sentence or clause punctuation: word pairs never cross it. */
  readonly phraseStart: boolean;
  /**
   * A fragment of a machine identifier (a UUID, a hash, a key: see isIdentifier). Its whole joined form is
   * in `joined`; a full-text index stores only that, since nobody searches an ID by "b9e2" or "9", and the
   * fragments of a UUID-heavy CSV were most of its vocabulary (243 terms per chunk, ~20 per UUID).
   */
  readonly identifier: boolean;
}

export interface TextAnalysis {
  readonly tokens: readonly Token[];
  /** Stemmed joined forms of compound Latin tokens ("il-6" → "il6", "covid-19" → "covid19"). */
  readonly joined: readonly string[];
}

/**
 * How Korean words become index terms. BM25 alone on msmarco-ko's train split (5,980 queries), hit@1 /
 * recall@5 / nDCG@10: stem 0.831 / 0.931 / 0.893; bigrams (Lucene's CJKAnalyzer) 0.788 / 0.901 / 0.859;
 * stem+bigrams 0.778 / 0.892 / 0.849; bigrams+unigrams 0.789 / 0.897 / 0.857. Bigrams of a word with its
 * particle still on ("울의", "비는") match every word with the same ending: noise, not recall.
 */
export type HangulIndexing = 'stem' | 'bigrams' | 'stem+bigrams' | 'bigrams+unigrams';

export interface TextAnalyzerOptions {
  readonly hangul: HangulIndexing;
}

export const DEFAULT_TEXT_ANALYZER_OPTIONS: TextAnalyzerOptions = { hangul: 'stem' };

/** A word: letters/marks/digits, with single inner joiners (hyphens, dots, slashes, apostrophes). */
const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’\-‐‑_./]+[\p{L}\p{M}\p{N}]+)*/gu;
const JOINER = /['’\-‐‑_./]+/u;
const DECIMAL = /^\p{N}+(?:[.,]\p{N}+)*$/u;
const POSSESSIVE = /['’]s$/u;
/** Word-delimiter split points: between a letter and a digit ("il6" → "il", "6"; "2015년" → "2015", "년"). */
const LETTER_DIGIT = /(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u;
/** Script runs inside one token: Hangul, Han/Kana (ー and 々 belong to Japanese words), everything else. */
const SCRIPT_RUN =
  /(\p{Script=Hangul}+)|([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー々〆]+)|([^\p{Script=Hangul}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー々〆]+)/gu;
/** A UUID as written, the commonest identifier in exported tables. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ASCII_ALNUM = /^[a-z0-9]+$/;
const HAS_KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const ENDS_WITH_LATIN = /\p{Script=Latin}$/u;
/** Between two tokens, these end a phrase: word pairs never cross them. */
const PHRASE_END = /[.!?;:\n()[\]{}。！？；：「」『』、]/u;
/**
 * A lone Greek letter between Latin letters or digits as its name: biomedical text writes both "TNF-α" and
 * "TNF-alpha". Greek words ("κωδικός") stay Greek.
 */
const LONE_GREEK_LETTER = /(?<!\p{Script=Greek})[α-ω](?!\p{Script=Greek})/gu;
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
/** Units written straight after a number ("2015년", "3개월", "10만원"): the number carries the meaning. */
const KOREAN_UNITS = new Set([
  '년',
  '월',
  '일',
  '원',
  '명',
  '개',
  '시',
  '분',
  '초',
  '회',
  '차',
  '층',
  '호',
  '번',
  '세',
]);

const stemCache = new Map<string, string>();
const STEM_CACHE_LIMIT = 200_000;

function stemLatin(word: string): string {
  // Porter is defined for English letters; numbers and codes ending in digits ("h1n1") stay as they are.
  if (word.length <= 2 || !ENDS_WITH_LATIN.test(word)) return word;
  let stemmed = stemCache.get(word);
  if (stemmed === undefined) {
    stemmed = stemmer(word);
    if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
    stemCache.set(word, stemmed);
  }
  return stemmed;
}

function bigrams(word: string): string[] {
  const chars = [...word];
  if (chars.length < 2) return [word];
  const out: string[] = [];
  for (let i = 1; i < chars.length; i++) out.push(`${chars[i - 1]}${chars[i]}`);
  return out;
}

const segmenters = new Map<string, Intl.Segmenter>();

function segmenter(locale: 'ja' | 'zh'): Intl.Segmenter {
  let found = segmenters.get(locale);
  if (found === undefined) {
    found = new Intl.Segmenter(locale, { granularity: 'word' });
    segmenters.set(locale, found);
  }
  return found;
}

type Emit = (token: Omit<Token, 'phraseStart' | 'identifier'>) => void;

/**
 * A machine identifier: a UUID, or 12+ ASCII letters and digits (joiners aside) that switch between letters
 * and digits 4+ times, as hashes and keys do ("d41d8cd98f00b204…"); words and codes people write
 * ("covid-19", "h1n1", "iso-27001-2022", "2026-01-01") switch less or are shorter.
 */
function isIdentifier(raw: string, parts: readonly string[]): boolean {
  if (UUID.test(raw)) return true;
  const compact = parts.join('');
  if (compact.length < 12 || !ASCII_ALNUM.test(compact)) return false;
  let switches = 0;
  for (let i = 1; i < compact.length && switches < 4; i++) {
    const digit = (c: number) => c >= 48 && c <= 57;
    if (digit(compact.charCodeAt(i)) !== digit(compact.charCodeAt(i - 1))) switches++;
  }
  return switches >= 4;
}

/**
 * `after` is what the Hangul run is glued to within the token: a number ("2015년"), another word
 * ("report를") or nothing.
 */
function hangulToken(
  surface: string,
  after: 'number' | 'word' | 'none',
  options: TextAnalyzerOptions,
  emit: Emit,
): void {
  const term = stripKoreanSuffix(surface);
  const stopword =
    KOREAN_STOPWORDS.has(surface) ||
    KOREAN_STOPWORDS.has(term) ||
    (after === 'number' && KOREAN_UNITS.has(term)) ||
    (after !== 'none' && isKoreanSuffix(surface));
  let indexTerms: string[];
  switch (options.hangul) {
    case 'stem':
      indexTerms = [term];
      break;
    case 'bigrams':
      indexTerms = bigrams(surface);
      break;
    case 'bigrams+unigrams':
      indexTerms = surface.length < 2 ? [surface] : [...bigrams(surface), ...surface];
      break;
    case 'stem+bigrams':
      indexTerms = surface.length <= 2 ? [term] : [...new Set([term, ...bigrams(surface)])];
      break;
  }
  emit({ term, surface, indexTerms, script: 'hangul', stopword });
}

const SINGLE_HAN = /^\p{Script=Han}$/u;

function hanKanaTokens(run: string, emit: Emit): void {
  let previousSingleHan = '';
  for (const piece of segmenter(HAS_KANA.test(run) ? 'ja' : 'zh').segment(run)) {
    if (piece.isWordLike === false) continue;
    const word = piece.segment;
    const indexTerms = [...word].length > 2 ? [word, ...bigrams(word)] : [word];
    // ICU splits words its dictionary lacks ("日当") into characters: index their pair as well.
    const singleHan = SINGLE_HAN.test(word) ? word : '';
    if (singleHan !== '' && previousSingleHan !== '') indexTerms.push(`${previousSingleHan}${singleHan}`);
    previousSingleHan = singleHan;
    const stopword = JAPANESE_CHINESE_STOPWORDS.has(word);
    emit({ term: word, surface: word, indexTerms, script: 'cjk', stopword });
  }
}

function otherToken(surface: string, emit: Emit): void {
  const term = stemLatin(surface);
  emit({
    term,
    surface,
    indexTerms: [term],
    script: ENDS_WITH_LATIN.test(surface) ? 'latin' : 'other',
    stopword: ENGLISH_STOPWORDS.has(surface),
  });
}

/** Tokens of `text` in order, stopwords included and marked. */
export function analyzeText(
  text: string,
  options: TextAnalyzerOptions = DEFAULT_TEXT_ANALYZER_OPTIONS,
): TextAnalysis {
  const tokens: Token[] = [];
  const joined: string[] = [];
  const normalized = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(LONE_GREEK_LETTER, (letter) => `-${GREEK[letter] ?? letter}-`);
  let last = 0;
  let phraseStart = false;
  let identifier = false;
  const emit: Emit = (token) => {
    tokens.push({ ...token, phraseStart, identifier });
    phraseStart = false;
  };
  for (const match of normalized.matchAll(TOKEN)) {
    if (match.index > last && PHRASE_END.test(normalized.slice(last, match.index))) phraseStart = true;
    last = match.index + match[0].length;
    const raw = match[0].replace(POSSESSIVE, '');
    if (DECIMAL.test(raw)) {
      otherToken(raw, emit);
      continue;
    }
    const parts = raw.split(JOINER).flatMap((part) => (part.length > 0 ? part.split(LETTER_DIGIT) : []));
    identifier = isIdentifier(raw, parts);
    let runs = 0;
    let otherRuns = 0;
    let previous: 'number' | 'word' | 'none' = 'none';
    for (const part of parts) {
      for (const run of part.matchAll(SCRIPT_RUN)) {
        if (run[1] !== undefined) hangulToken(run[1], previous, options, emit);
        else if (run[2] !== undefined) hanKanaTokens(run[2], emit);
        else {
          otherToken(run[0], emit);
          otherRuns++;
        }
        runs++;
        previous = DECIMAL.test(run[0]) ? 'number' : 'word';
      }
    }
    if (runs > 1 && otherRuns === runs) joined.push(stemLatin(parts.join('')));
    identifier = false;
  }
  return { tokens, joined };
}

/**
 * The normalised terms of the content words of `text`, in order: what the answerer matches a question's
 * words on. "서울의 일비는 얼마인가요?" → ["서울", "일비"]; "2015년에" → ["2015"]; "Running shoes" → ["run", "shoe"].
 */
export function contentTerms(text: string): string[] {
  return analyzeText(text)
    .tokens.filter((token) => !token.stopword)
    .map((token) => token.term);
}

/** The normalised term of one word ("서울의" → "서울", "vaccinations" → "vaccin"); "" for a stopword. */
export function normalizeWord(word: string): string {
  const [first] = analyzeText(word).tokens;
  return first === undefined || first.stopword ? '' : first.term;
}

/** Whether `word` (as written) is a function word in its language. */
export function isStopword(word: string): boolean {
  const { tokens } = analyzeText(word);
  return tokens.length > 0 && tokens.every((token) => token.stopword);
}
