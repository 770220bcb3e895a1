import { segmentSentences } from '../text/sentences.ts';
import type { TokenCounter } from './tokens.ts';

/**
 * Splits whitespace-normalized prose into sentences with the segmenter answering uses too, so a chunk ends
 * where a sentence does in every language ("했다. 그는" as well as "did. He"). A wrong split only moves a
 * chunk boundary, never loses text.
 */
export function splitSentences(text: string): string[] {
  return segmentSentences(text);
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
