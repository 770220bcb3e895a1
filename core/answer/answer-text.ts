import type { AnswerEvent } from '../ports.ts';

/**
 * What every answerer says when the documents the asker can see do not answer the question. The LLM
 * answerer asks the model for this exact sentence too, so that "did not know" is detected the same way.
 */
export const DONT_KNOW_ANSWER = "I couldn't find this in the documents you can see.";

/** The 1-based `[n]` markers in `text` that point into a context of `contextSize` chunks, in order of first use. */
export function parseCitations(text: string, contextSize: number): number[] {
  const cited: number[] = [];
  // "[1]", "[1, 3]" and "[1][2]" all count; other bracketed numbers such as "[2023]" fall outside the range.
  for (const group of text.matchAll(/\[(\d{1,4}(?:\s*,\s*\d{1,4})*)\]/g)) {
    for (const part of (group[1] ?? '').split(',')) {
      const n = Number(part.trim());
      if (Number.isInteger(n) && n >= 1 && n <= contextSize && !cited.includes(n)) cited.push(n);
    }
  }
  return cited;
}

/** Whether `text` is (or opens with) the don't-know sentence, tolerant of quote styles, case and spacing. */
export function saysDontKnow(text: string): boolean {
  const normalise = (s: string) =>
    s
      .toLowerCase()
      .replace(/[’‘`]/g, "'")
      .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  return normalise(text).includes(normalise(DONT_KNOW_ANSWER));
}

/** The events of a don't-know answer: one delta, then done with nothing cited. */
export function* dontKnowEvents(model: string): Generator<AnswerEvent> {
  yield { type: 'delta', text: DONT_KNOW_ANSWER };
  yield {
    type: 'done',
    text: DONT_KNOW_ANSWER,
    cited: [],
    answered: false,
    model,
    usage: { promptTokens: 0, completionTokens: 0 },
  };
}
