import type { AnswerEvent } from '../ports.ts';
import { detectLanguage } from '../text/index.ts';

/**
 * The answerers' own words, one entry per language, kept together so that they can move into the message
 * catalogues as they are. An answer is written in the question's language; other languages get English.
 */
const DONT_KNOW: Readonly<Record<AnswerLanguage, string>> = {
  en: "I couldn't find this in the documents you can see.",
  ko: '열람하실 수 있는 문서에서 이 내용을 찾지 못했습니다.',
};

export type AnswerLanguage = 'en' | 'ko';

/** The English don't-know sentence (what the model is shown as the example of declining). */
export const DONT_KNOW_ANSWER = DONT_KNOW.en;

export function answerLanguageOf(question: string): AnswerLanguage {
  return detectLanguage(question) === 'ko' ? 'ko' : 'en';
}

/** "I couldn't find this…" in the language of `question`. */
export function dontKnowAnswerFor(question: string): string {
  return DONT_KNOW[answerLanguageOf(question)];
}

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

/**
 * Phrases with which a model says the documents do not answer, in English and Korean, as models actually
 * word it (not only the sentence the prompt suggests): checked at the start of the answer only, so an
 * answer that mentions "not found" in passing is not taken for a decline.
 */
const DECLINE_OPENINGS = [
  /^(?:i'm sorry,? |sorry,? |unfortunately,? )?(?:i )?(?:couldn't|could not|can't|cannot|can not|wasn't able to|was unable to|am unable to|didn't|did not) (?:find|locate|see|answer|determine)/,
  /^(?:i )?(?:don't|do not) (?:know|have (?:enough )?information|see)/,
  /^(?:the |these |those )?(?:provided )?(?:documents?|context|sources?) (?:do|does|did)(?:n't| not) (?:contain|mention|say|include|provide|answer|specify|state)/,
  /^(?:there is|there's) no (?:information|mention|answer)/,
  /^no (?:information|answer|relevant)/,
  /^not (?:found|mentioned|stated|in the documents)/,
];
const KOREAN_DECLINE =
  /(?:찾(?:지 못|을 수 없|을 수가 없)|알 수 없|나와 있지 않|언급(?:되어 있지 않|이 없|되지 않)|정보(?:가|는) 없|포함되어 있지 않|확인(?:할 수 없|되지 않))/;

/**
 * Whether `text` is a decline rather than an answer: one of our own don't-know sentences, or a reply that
 * opens by saying the documents do not answer (English), or says so in its first sentence (Korean).
 */
export function saysDontKnow(text: string): boolean {
  const normalise = (s: string) =>
    s
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[’‘`]/g, "'")
      .replace(/\[\d+(?:\s*,\s*\d+)*\]/g, ' ')
      .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  const said = normalise(text);
  if (Object.values(DONT_KNOW).some((sentence) => said.includes(normalise(sentence)))) return true;
  if (DECLINE_OPENINGS.some((pattern) => pattern.test(said))) return true;
  const firstSentence = text.split(/(?<=[.!?。])\s/)[0] ?? text;
  return KOREAN_DECLINE.test(firstSentence);
}

/** The events of a don't-know answer in the question's language: one delta, then done with nothing cited. */
export function* dontKnowEvents(model: string, question: string): Generator<AnswerEvent> {
  const text = dontKnowAnswerFor(question);
  yield { type: 'delta', text };
  yield {
    type: 'done',
    text,
    cited: [],
    answered: false,
    model,
    usage: { promptTokens: 0, completionTokens: 0 },
  };
}
