/**
 * While the reindex-lexical job is still moving chunks from analysis version 1 to the current one, a
 * question must find both: this gives the terms version 1 stored for its Hangul, Han and Kana words
 * (whole space-separated words, "서울의", "東京への出張の日当は"), to add to the current analysis's terms.
 * Latin words were analysed the same way in both versions, so they need nothing extra.
 */
import type { LexicalQueryTerm } from '../ports.ts';

const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’\-‐‑_./]+[\p{L}\p{M}\p{N}]+)*/gu;
const JOINER = /['’\-‐‑_./]+/u;
const LETTER_DIGIT = /(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u;
const CJK = /[\p{Script=Hangul}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** Version 1's terms for the CJK words of `question`, each with `weight`. */
export function legacyQueryTerms(question: string, weight = 1): LexicalQueryTerm[] {
  const terms = new Set<string>();
  for (const [token] of question.normalize('NFKC').toLowerCase().matchAll(TOKEN)) {
    for (const part of token.split(JOINER).flatMap((piece) => piece.split(LETTER_DIGIT))) {
      if (CJK.test(part)) terms.add(part);
    }
  }
  return [...terms].map((term) => ({ term, weight }));
}

/** `terms` (the current analysis's) plus version 1's terms for the question's CJK words not among them. */
export function withLegacyQueryTerms(
  terms: readonly LexicalQueryTerm[],
  question: string,
): LexicalQueryTerm[] {
  const known = new Set(terms.map((term) => term.term));
  return [...terms, ...legacyQueryTerms(question).filter((term) => !known.has(term.term))];
}
