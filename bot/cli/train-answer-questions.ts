/**
 * Questions for training the answer/decline model, generated from our own paragraphs (see
 * train-answer-decision.ts): seeded, so every run produces the same set.
 */

import { typedMentions } from '../../core/answer/answer-type.ts';
import englishAntonyms from '../../core/answer/english-antonyms.json' with { type: 'json' };
import { OPPOSITES } from '../../core/answer/question-signals.ts';
import { normalizeWord } from '../../core/text/index.ts';
import { segmentSentences } from '../../core/text/sentences.ts';

export interface Paragraph {
  readonly id: string;
  readonly language: 'en' | 'ko';
  readonly topic: string;
  readonly title: string;
  readonly text: string;
}

export interface TrainingQuestion {
  readonly question: string;
  /** What the reply must contain; undefined when the searched collection does not answer it. */
  readonly answer: string | undefined;
  readonly collection: 'full' | 'partial';
}

/** mulberry32: a tiny seeded generator, so the training set is reproducible. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Words people put in questions that paragraphs seldom contain ("located", "known as", "불리는"): added to
 * answerable and unanswerable questions alike, so that a question word missing from the documents is not
 * by itself taken for a question they do not answer.
 */
const FILLERS = {
  en: 'located called known name type kind main important used considered example happened first major primary according specific term people describe'.split(
    ' ',
  ),
  ko: '위치한 불리는 알려진 이름 종류 주요 중요한 사용된 대표적인 처음 명칭 해당하는 일컫는 가리키는 말한 당시'.split(
    ' ',
  ),
} as const;

/** Endings a Korean asker puts on a word the paragraph writes with another one (창제하였다 → 창제한). */
const KOREAN_ENDINGS = ['은', '는', '이', '가', '을', '를', '의', '에서', '한', '된', '했던', '하는', '으로'];

/** The same Korean word with another ending: its last syllable (a particle or ending, most often) replaced. */
function reword(word: string, next: () => number): string {
  if (!/^\p{Script=Hangul}{3,}$/u.test(word)) return word;
  return word.slice(0, -1) + KOREAN_ENDINGS[Math.floor(next() * KOREAN_ENDINGS.length)]!;
}

const bare = (token: string) => token.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');

interface Asked {
  readonly question: string;
  readonly answer: string;
  readonly kept: string[];
}

/** One question about `sentence`: the asked-for word out, some other words dropped, a question word in. */
function askAbout(sentence: string, language: Paragraph['language'], next: () => number): Asked | undefined {
  const tokens = sentence.split(/\s+/).filter((t) => bare(t) !== '');
  if (tokens.length < 4) return undefined;
  const numeric = tokens.map((t, i) => (/\p{N}/u.test(t) ? i : -1)).filter((i) => i >= 0);
  const named =
    language === 'en'
      ? tokens.map((t, i) => (i > 0 && /^\p{Lu}/u.test(bare(t)) ? i : -1)).filter((i) => i >= 0)
      : tokens.map((t, i) => (bare(t).length >= 3 ? i : -1)).filter((i) => i >= 0);
  const pool = numeric.length > 0 && next() < 0.6 ? numeric : named.length > 0 ? named : numeric;
  if (pool.length === 0) return undefined;
  const at = pool[Math.floor(next() * pool.length)]!;
  const spanToken = bare(tokens[at]!);
  // A Korean word is asked for without its particle (the analyzer's stem: 세종이 → 세종).
  const answer =
    language === 'ko' && !/\p{N}/u.test(spanToken) ? normalizeWord(spanToken) || spanToken : spanToken;
  // People reuse between a quarter and two thirds of a sentence's words when they ask about it.
  const keep = 0.25 + 0.4 * next();
  const kept = tokens
    .filter((_, i) => i !== at)
    .filter(() => next() < keep)
    .map(bare)
    .map((word) => (language === 'ko' && next() < 0.5 ? reword(word, next) : word));
  const fillers = FILLERS[language];
  for (let extra = Math.floor(next() * 4); extra > 0; extra--) {
    kept.splice(Math.floor(next() * (kept.length + 1)), 0, fillers[Math.floor(next() * fillers.length)]!);
  }
  if (kept.length < 2) return undefined;
  const isYear = /^\d{4}/.test(spanToken);
  const isNumber = /\p{N}/u.test(spanToken);
  let question: string;
  if (language === 'en') {
    const wh = isYear ? 'When' : isNumber ? 'How many' : /^\p{Lu}/u.test(spanToken) ? 'Who' : 'What';
    question = `${wh} ${kept.join(' ')}?`;
  } else {
    const wh = isYear ? '언제인가?' : isNumber ? '몇인가?' : next() < 0.5 ? '무엇인가?' : '누구인가?';
    question = `${kept.join(' ')} ${wh}`;
  }
  return { question, answer, kept };
}

export function generateQuestions(
  paragraphs: readonly Paragraph[],
  heldOut: ReadonlySet<string>,
  seed = 14,
): TrainingQuestion[] {
  const next = random(seed);
  const out: TrainingQuestion[] = [];
  for (const paragraph of paragraphs) {
    const others = paragraphs.filter((p) => p.language === paragraph.language && p.topic !== paragraph.topic);
    const foreignWords = others
      .flatMap((p) => p.text.split(/\s+/).map(bare))
      .filter((w) => w.length >= (paragraph.language === 'ko' ? 3 : 5) && !/\p{N}/u.test(w));
    for (const sentence of segmentSentences(paragraph.text)) {
      for (let variant = 0; variant < 3; variant++) {
        const asked = askAbout(sentence, paragraph.language, next);
        if (asked === undefined) continue;
        out.push({ question: asked.question, answer: asked.answer, collection: 'full' });
        if (heldOut.has(paragraph.id)) {
          out.push({ question: asked.question, answer: undefined, collection: 'partial' });
        }
        if (variant === 0 && foreignWords.length > 0) {
          // The sentence's most specific remaining word swapped for another topic's: same words, other question.
          const longest = asked.kept.reduce((a, b) => (b.length > a.length ? b : a), '');
          const swapped = asked.question.replace(
            longest,
            foreignWords[Math.floor(next() * foreignWords.length)]!,
          );
          out.push({ question: swapped, answer: undefined, collection: 'full' });
        }
        const tricked = trickQuestion(asked, paragraph, sentence, next);
        if (tricked !== undefined) out.push({ question: tricked, answer: undefined, collection: 'full' });
        if (variant === 1) {
          const untyped = wrongTypeQuestion(asked, sentence, paragraph.language);
          if (untyped !== undefined) out.push({ question: untyped, answer: undefined, collection: 'full' });
        }
      }
    }
  }
  return out;
}

/** An English word → one of its WordNet opposites (the first listed), for the antonym twins. */
const ENGLISH_OPPOSITE: ReadonlyMap<string, string> = new Map(
  (englishAntonyms as readonly (readonly string[])[]).flatMap(([a = '', b = '']) => [
    [a, b],
    [b, a],
  ]),
);

/**
 * An unanswerable twin of `asked` that keeps nearly all of its words, as SQuAD 2.0's writers made them: a
 * negation added, a number changed, a word replaced by its opposite, or a word of the sentence replaced by
 * another word of the same paragraph (the sentence still holds every other word of the question).
 */
function trickQuestion(
  asked: Asked,
  paragraph: Paragraph,
  sentence: string,
  next: () => number,
): string | undefined {
  const { question } = asked;
  const kind = next();
  const number = question.match(/\d+/);
  if (kind < 0.25 && number !== null) {
    const value = Number(number[0]);
    const changed = String(value + 1 + Math.floor(next() * (value > 1000 ? 40 : 9)));
    return question.replace(number[0], changed);
  }
  if (kind < 0.5) {
    // Whole English words ("most", not "almost"); Korean entries are stems followed by particles.
    const at = (word: string) => new RegExp(/^[a-z]/.test(word) ? `\\b${word}\\b` : word);
    for (const [a, b] of OPPOSITES) {
      if (at(a).test(question)) return question.replace(at(a), b);
      if (at(b).test(question)) return question.replace(at(b), a);
    }
    if (paragraph.language === 'en') {
      // WordNet's opposites, as the answerer checks them: "a shorter notice period" of "a longer one".
      const word = asked.kept.find((w) => ENGLISH_OPPOSITE.has(w.toLowerCase()));
      const opposite = word === undefined ? undefined : ENGLISH_OPPOSITE.get(word.toLowerCase());
      if (word !== undefined && opposite !== undefined) {
        return question.replace(new RegExp(`\\b${word}\\b`), opposite);
      }
    }
  }
  if (kind < 0.75) {
    if (paragraph.language === 'en') {
      const negated = question.replace(/^(What|Who|When|How many) /, '$1 did not ');
      return negated === question ? undefined : negated;
    }
    return question.replace(/ (\S+)$/, ' 않은 것은 $1');
  }
  // In-slot swap: a kept word replaced by a word of another sentence of the same paragraph.
  const elsewhere = paragraph.text
    .replace(sentence, ' ')
    .split(/\s+/)
    .map(bare)
    .filter((w) => w.length >= (paragraph.language === 'ko' ? 2 : 4) && !question.includes(w));
  const slots = asked.kept.filter((w) => w.length >= (paragraph.language === 'ko' ? 2 : 4));
  if (elsewhere.length === 0 || slots.length === 0) return undefined;
  const slot = slots[Math.floor(next() * slots.length)]!;
  return question.replace(slot, elsewhere[Math.floor(next() * elsewhere.length)]!);
}

/**
 * An unanswerable twin that asks for a kind of thing the sentence does not hold: "When …?" of a sentence with
 * no date or year, "How many …?" of one with no number (언제 / 몇 in Korean). The words are the sentence's
 * own, so only the kind of answer tells it from the answerable question.
 */
function wrongTypeQuestion(
  asked: Asked,
  sentence: string,
  language: Paragraph['language'],
): string | undefined {
  const words = asked.kept.join(' ');
  if (typedMentions(sentence, 'time').length === 0) {
    return language === 'en' ? `When ${words}?` : `${words} 언제인가?`;
  }
  if (typedMentions(sentence, 'quantity').length === 0) {
    return language === 'en' ? `How many ${words}?` : `${words} 몇 개인가?`;
  }
  return undefined;
}
