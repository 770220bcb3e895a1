/**
 * Text analysis: what every reader of text (BM25, the local embedder, the answerer's term matching) uses,
 * so that "서울의" and "서울", "2015년" and "2015", "Vaccinations" and "vaccination" meet everywhere.
 *
 * Stable API:
 * - `analyzeText(text)` → `{ tokens, joined }`. Each token has `term` (the normalised word: Porter stem for
 *   Latin, particles/endings stripped for Korean, ICU word for Japanese/Chinese), `surface` (as written,
 *   NFKC + lowercase), `indexTerms` (what BM25 stores: the term, plus character bigrams for Han/Kana words),
 *   `script`, `stopword` and `phraseStart` (after sentence/clause punctuation).
 * - `contentTerms(text)` → the `term`s of the non-stopword tokens, in order: question terms for matching.
 * - `normalizeWord(word)` → one word's term ("" for a stopword); `isStopword(word)`.
 * - `detectLanguage(text)` → 'ko' | 'ja' | 'zh' | 'en' | 'ru' | 'el' | undefined, by script.
 * Terms from different texts are comparable with `===`; never build terms by other means.
 */
export {
  analyzeText,
  contentTerms,
  DEFAULT_TEXT_ANALYZER_OPTIONS,
  type HangulIndexing,
  isStopword,
  normalizeWord,
  type Script,
  type TextAnalysis,
  type TextAnalyzerOptions,
  type Token,
} from './analyzer.ts';
export { type DetectedLanguage, detectLanguage } from './language.ts';
