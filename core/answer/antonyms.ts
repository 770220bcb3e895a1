/**
 * English opposites from WordNet (core/answer/english-antonyms.json, written by bot/cli/extract-antonyms.ts),
 * as the shared analyzer's terms, so that "decreased" asked of "increases" is seen as one.
 */
import { analyzeText, normalizeWord } from '../text/index.ts';
import pairs from './english-antonyms.json' with { type: 'json' };

let byTerm: Map<string, readonly string[]> | undefined;

/**
 * Term → the terms of its opposites; built on first use. The words go through the analyzer in one text, one
 * word a line (word by word took 300 ms), and word by word only if that text does not give one term a word.
 */
function antonymIndex(): Map<string, readonly string[]> {
  if (byTerm !== undefined) return byTerm;
  const index = new Map<string, string[]>();
  const add = (from: string, to: string) => {
    const list = index.get(from);
    if (list === undefined) index.set(from, [to]);
    else if (!list.includes(to)) list.push(to);
  };
  const list = pairs as readonly (readonly string[])[];
  const tokens = analyzeText(list.flat().join('\n')).tokens;
  const oneEach = tokens.length === list.length * 2 && tokens.every((token) => !token.stopword);
  const termOf = (word: string | undefined, at: number) =>
    oneEach ? (tokens[at]?.term ?? '') : normalizeWord(word ?? '');
  for (const [i, [a, b]] of list.entries()) {
    const termA = termOf(a, 2 * i);
    const termB = termOf(b, 2 * i + 1);
    if (termA === '' || termB === '' || termA === termB) continue;
    add(termA, termB);
    add(termB, termA);
  }
  byTerm = index;
  return index;
}

/** The opposites of an analyzer term ("increas" → ["decreas"]); empty when WordNet gives none. */
export function antonymsOf(term: string): readonly string[] {
  return antonymIndex().get(term) ?? [];
}

/**
 * 1 when the question has a term the passage lacks whose opposite the passage has ("least" asked of a
 * passage that says "most") and the question does not name that opposite too, 0 otherwise. Both lists are
 * the shared analyzer's terms.
 */
export function antonymSwap(questionTerms: readonly string[], passageTerms: readonly string[]): number {
  const written = new Set(passageTerms);
  const asked = new Set(questionTerms);
  for (const term of asked) {
    if (written.has(term)) continue;
    // "Is it abstract or concrete?" names both: a choice, not a swap.
    if (antonymsOf(term).some((opposite) => written.has(opposite) && !asked.has(opposite))) return 1;
  }
  return 0;
}
