import { stemmer } from 'stemmer';

/**
 * Word handling shared by the extractive answerer and the heuristic condenser: question words ("how",
 * "many", "무엇", "누구") are noise here. English words are Porter-stemmed; a Korean word loses its particle
 * or ending (반기문의 / 반기문은 → 반기문) and is matched by its syllable pairs, so 취임한 and 취임하였다 meet.
 * To be replaced by the shared language-aware analyzer of core/text once it exists (issue 13).
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

/** Particles and endings, longest first: stripped once from the end of a Korean word. */
const KOREAN_ENDINGS =
  `이었는가 였는가 이었던 되었나요 하였나요 되나요 하나요 인가요 입니까 합니까 됩니까 습니까 었나요 았나요
  했나요 였나요 이었다 하였다 되었다 었는가 았는가 했는가 하는가 되는가 였다 했다 한다 된다 인가 인지 이다 나요 까요 는지
  에서는 에게서 으로는 에서도 으로서 으로써 까지는 부터는 이라는 라는 이라고 라고 에서 에게 한테 으로 로서 로써 까지 부터 보다
  처럼 마다 이나 에는 에도 진다 어진다 이어야 여야 어야 와는 과는 는가 은가 이며 이고 하고 하여 해서 되어 은 는 이 가 을 를 의 에 로 와 과 도 만 께 한 된 할
  될 던`
    .split(/\s+/)
    .sort((a, b) => b.length - a.length);

const HANGUL_WORD = /^\p{Script=Hangul}+$/u;
const NUMBER_THEN_HANGUL = /^(\p{N}+)(\p{Script=Hangul}+)$/u;

/**
 * A Korean word without its particles or ending (two at most: 직원에게는 → 직원). A one-syllable ending leaves
 * at least two syllables ("나이" stays whole, "근무한" → "근무") unless `minStem` says otherwise.
 */
export function stripKoreanEnding(word: string, minStem = 2): string {
  let stem = word;
  for (let pass = 0; pass < 2; pass++) {
    const ending = KOREAN_ENDINGS.find(
      (e) => stem.length >= e.length + (e.length === 1 ? minStem : 1) && stem.endsWith(e),
    );
    if (ending === undefined) break;
    stem = stem.slice(0, -ending.length);
  }
  return stem;
}

/** The matching terms of one Korean word: its stem if short, else the stem's syllable pairs. */
function koreanTerms(word: string, minStem = 2): string[] {
  if (KOREAN_STOPWORDS.has(word)) return [];
  const stem = stripKoreanEnding(word, minStem);
  if (KOREAN_STOPWORDS.has(stem)) return [];
  if (stem.length <= 2) return [stem];
  const pairs: string[] = [];
  for (let i = 0; i + 2 <= stem.length; i++) pairs.push(stem.slice(i, i + 2));
  return pairs;
}

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

/** The stemmed content words of `text`, in order, repeats kept. */
export function contentTerms(text: string): string[] {
  const out: string[] = [];
  for (const word of words(text)) {
    if (HANGUL_WORD.test(word)) {
      out.push(...koreanTerms(word));
      continue;
    }
    // "2015년에", "3명이": the number, then its counter word without the particle.
    const counted = NUMBER_THEN_HANGUL.exec(word);
    if (counted) {
      out.push(counted[1]!, ...koreanTerms(counted[2]!, 1));
      continue;
    }
    if (STOPWORDS.has(word)) continue;
    // Single letters carry no meaning except as numbers ("5").
    if (word.length < 2 && !/\p{N}/u.test(word)) continue;
    out.push(stem(word));
  }
  return out;
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
