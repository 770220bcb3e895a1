import { stemmer } from 'stemmer';
import { contentTerms as analyzerTerms, normalizeWord } from '../text/index.ts';

/**
 * Word handling shared by the extractive answerer and the heuristic condenser: the shared analyzer's terms
 * (core/text), with question words ("how", "many", "무엇", "누구") as noise on top.
 */
const STOPWORDS: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are aren't as at be because been before being
  below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during
  each either else etc ever few for from further get gets getting got had hadn't has hasn't have haven't having
  he he'd he'll he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if in
  into is isn't it it's its itself just let let's like many may me might more most much must mustn't my myself
  need needs no nor not now of off often on once only or other ought our ours ourselves out over own per please
  same shall shan't she she'd she'll she's should shouldn't so some such than that that's the their theirs them
  themselves then there there's these they they'd they'll they're they've this those through to too under until
  up upon us use used using very via was wasn't we we'd we'll we're we've were weren't what what's when when's
  where where's whether which while who who's whom whose why why's will with within without won't would wouldn't
  yes yet you you'd you'll you're you've your yours yourself yourselves tell know want wants wanted one ones
  thing things anyone anything someone something everyone everything way`.split(/\s+/),
);

/** Korean question words and fillers that say nothing about the answer. */
const KOREAN_STOPWORDS: ReadonlySet<string> = new Set(
  `무엇 무엇이 누구 언제 어디 어느 몇 어떤 무슨 왜 어떻게 얼마 얼마나 이름 것 수 등 때 그 이 저 및 또는 위해 대해 통해
  있는 있다 하는 한 된 되는 되었다 했다 하였다 가장 처음 당시 무엇인가 누구인가 어디인가 언제인가 뭐 뭘 곳 사람
  며칠 무엇을 누가 어디서 얼마인가 무엇일까 있나요 있습니까 알려줘 알려주세요`.split(/\s+/),
);

const HANGUL_WORD = /^\p{Script=Hangul}+$/u;

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Lower-cased words of `text`, apostrophes normalised (so "don’t" and "don't" agree). */
export function words(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).map((w) => w.replace('’', "'"));
}

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word.toLowerCase());
}

/** Porter stem of one lower-cased word; possessive "'s" dropped first. */
export function stem(word: string): string {
  const bare = word.endsWith("'s") ? word.slice(0, -2) : word;
  return /^\p{N}+$/u.test(bare) ? bare : stemmer(bare);
}

/**
 * The question-matching terms of `text`, in order, repeats kept: the shared analyzer's content terms
 * (core/text), less the words that only shape a question ("how many", "무엇", "이름"), with a Korean term of
 * three or more syllables matched by its two-syllable pieces, so that 취임한 and 취임하였다, which the
 * analyzer leaves apart, still meet.
 */
export function contentTerms(text: string): string[] {
  const out: string[] = [];
  for (const term of analyzerTerms(text)) {
    if (term === '' || QUESTION_TERMS.has(term)) continue;
    // A single Latin letter carries no meaning except as a number ("5").
    if (term.length < 2 && /^[a-z]$/.test(term)) continue;
    if (HANGUL_WORD.test(term) && term.length >= 3) {
      // Two-syllable pieces from the start: most Sino-Korean words are built of two-syllable parts
      // (국회의원 = 국회 + 의원), and a leftover odd syllable is usually an ending (취임한 → 취임). Measured on a
      // development slice against all overlapping pairs, which match endings (되나요 → 나요) as words.
      for (let i = 0; i + 2 <= term.length; i += 2) out.push(term.slice(i, i + 2));
      continue;
    }
    out.push(term);
  }
  return out;
}

/** Question-shaping words as the analyzer normalises them, so they compare with its terms. */
const QUESTION_TERMS: ReadonlySet<string> = new Set(
  [...STOPWORDS, ...KOREAN_STOPWORDS].flatMap((word) => [word, normalizeWord(word)]).filter((t) => t !== ''),
);

/** Whether a normalised term only shapes a question ("how", "many", "무엇"). */
export function isQuestionTerm(term: string): boolean {
  return QUESTION_TERMS.has(term);
}

/** The content words of `text` as written (not stemmed), first occurrence only. */
export function contentWords(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const word of words(text)) {
    if (
      STOPWORDS.has(word) ||
      KOREAN_STOPWORDS.has(word) ||
      (word.length < 2 && !/\p{N}/u.test(word)) ||
      seen.has(word)
    )
      continue;
    seen.add(word);
    out.push(word);
  }
  return out;
}
