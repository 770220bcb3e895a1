import { stemmer } from 'stemmer';

/**
 * Word handling shared by the extractive answerer and the heuristic condenser. Kept apart from
 * core/retrieval's analyzer on purpose: answering needs question words ("how", "many") treated as noise,
 * which BM25 indexing does not.
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
    if (STOPWORDS.has(word) || (word.length < 2 && !/\p{N}/u.test(word)) || seen.has(word)) continue;
    seen.add(word);
    out.push(word);
  }
  return out;
}
