import type { TokenCounter } from './tokens.ts';

/**
 * Common abbreviations that end in a period without ending a sentence ("Dr. Smith", "e.g. the").
 * Single letters (initials, "p. 4") are handled separately.
 */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'cf',
  'al',
  'fig',
  'figs',
  'no',
  'nos',
  'vol',
  'pp',
  'approx',
  'inc',
  'ltd',
  'co',
  'corp',
  'dept',
  'est',
  'min',
  'max',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'z.b',
  'bzw',
  'ca',
  'nr',
]);

/** End punctuation (with closing quotes or brackets), whitespace, then what can start a sentence. */
const BOUNDARY = /[.!?…]+["'”’)\]]*\s+(?=["'“‘([]?[\p{Lu}\p{Lt}\p{N}])|[。！？]+["'”’」』)]*\s*/gu;

/**
 * Splits whitespace-normalized prose into sentences. Deliberately simple and linear: end punctuation
 * followed by a capital or digit, except after an abbreviation or an initial; CJK full stops always end
 * a sentence. A wrong split only moves a chunk boundary, never loses text.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of text.matchAll(BOUNDARY)) {
    const end = match.index + match[0].length;
    if (match[0][0] === '.' && endsWithAbbreviation(text, match.index)) continue;
    const sentence = text.slice(start, end).trim();
    if (sentence !== '') sentences.push(sentence);
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest !== '') sentences.push(rest);
  return sentences;
}

function endsWithAbbreviation(text: string, periodIndex: number): boolean {
  let wordStart = periodIndex;
  while (wordStart > 0 && !/\s/.test(text[wordStart - 1] ?? ' ')) wordStart--;
  const word = text
    .slice(wordStart, periodIndex)
    .replace(/^["'“‘([]+/, '')
    .toLowerCase();
  return (word.length === 1 && /\p{L}/u.test(word)) || ABBREVIATIONS.has(word);
}

/**
 * Cuts text that is too long for one chunk at word boundaries into runs of at most `limit` tokens.
 * A single "word" longer than the limit (a URL, a base64 blob, unspaced text) is cut by characters.
 */
export function splitToTokenLimit(text: string, limit: number, counter: TokenCounter): string[] {
  const runs: string[] = [];
  let run: string[] = [];
  let used = 0;
  const endRun = (): void => {
    if (run.length > 0) runs.push(run.join(' '));
    run = [];
    used = 0;
  };
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    const tokens = counter.count(` ${word}`);
    if (tokens > limit) {
      endRun();
      runs.push(...sliceByCharacters(word, limit, counter));
      continue;
    }
    if (used + tokens > limit) endRun();
    run.push(word);
    used += tokens;
  }
  endRun();
  return runs;
}

function sliceByCharacters(word: string, limit: number, counter: TokenCounter): string[] {
  const slices: string[] = [];
  // Start from the word's own characters-per-token and shrink a slice only when it is still too long.
  const charsPerToken = word.length / Math.max(1, counter.count(word));
  let start = 0;
  while (start < word.length) {
    let size = Math.max(1, Math.floor(limit * charsPerToken * 0.95));
    for (;;) {
      let end = Math.min(start + size, word.length);
      const last = word.charCodeAt(end - 1);
      if (end < word.length && last >= 0xd800 && last <= 0xdbff && end - start > 1) end--;
      const slice = word.slice(start, end);
      const tokens = counter.count(slice);
      if (tokens <= limit || end - start <= 1) {
        slices.push(slice);
        start = end;
        break;
      }
      size = Math.max(1, Math.floor(((end - start) * limit) / tokens) - 1);
    }
  }
  return slices;
}
