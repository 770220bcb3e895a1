/**
 * Korean writes particles (조사) and verb endings (어미) glued to the word: "서울의", "서울에서", "재직했나요".
 * A light stemmer strips the longest known suffix so "서울의" and "서울" meet, the way Lucene's Nori
 * decompounds without a dictionary's cost. It errs towards keeping letters: a stripped form must keep at
 * least one syllable, and one-syllable particles that also end ordinary nouns ("이" in "나이") are stripped
 * only from words of three syllables or more. BM25 also indexes character bigrams of the whole word, so
 * a wrong strip costs little.
 */

/** Endings, longest first within each group; checked longest-first overall. */
const SUFFIXES: readonly string[] = [
  // Predicate endings after a noun: "재직했나요", "필요합니다", "가능한가요".
  '하였습니다',
  '했습니다',
  '합니다만',
  '합니까',
  '했나요',
  '하나요',
  '한가요',
  '할까요',
  '하려면',
  '하는지',
  '했는지',
  '해야',
  '합니다',
  '하였다',
  '되었습니다',
  '되었다',
  '됩니다',
  '되나요',
  '되는',
  '된다',
  '하는',
  '하고',
  '하여',
  '해서',
  '하면',
  '하기',
  '했다',
  '한다',
  '하다',
  '입니까',
  '입니다',
  '인가요',
  '인지',
  '이며',
  '이고',
  '이다',
  '였다',
  '적인',
  '적으로',
  // Particles, compound ones first: "서울에서는", "회사로부터".
  '에서부터',
  '으로부터',
  '로부터',
  '에서는',
  '에서도',
  '에서의',
  '에게서',
  '으로는',
  '으로도',
  '으로서',
  '으로써',
  '이라는',
  '이라고',
  '까지는',
  '까지의',
  '에게는',
  '에서',
  '에게',
  '에는',
  '에도',
  '에의',
  '으로',
  '로는',
  '로서',
  '로써',
  '라는',
  '라고',
  '이란',
  '와는',
  '과는',
  '와의',
  '과의',
  '까지',
  '부터',
  '마다',
  '조차',
  '보다',
  '처럼',
  '한테',
  '께서',
  '이나',
  '이랑',
  '만의',
  '들의',
  '들은',
  '들이',
  '들을',
  '들에',
  '의',
  '은',
  '는',
  '을',
  '를',
  '에',
  '와',
  '과',
  '도',
  '만',
  '로',
  '란',
  '들',
  '이',
  '가',
  '나',
];

/** Particles that also end ordinary nouns ("나이", "평가", "고가", "지도"): stripped only from longer words. */
const AMBIGUOUS = new Set(['이', '가', '나', '도', '만', '로', '과', '들', '란', '와']);

const BY_LENGTH = [...SUFFIXES].sort((a, b) => b.length - a.length);

/** "서울의" → "서울", "재직했나요" → "재직", "서울" → "서울". Input is one Hangul word, lowercased NFKC. */
export function stripKoreanSuffix(word: string): string {
  for (const suffix of BY_LENGTH) {
    if (word.length <= suffix.length || !word.endsWith(suffix)) continue;
    const stem = word.slice(0, word.length - suffix.length);
    if (AMBIGUOUS.has(suffix) && word.length < 3) continue;
    return stem;
  }
  return word;
}

const SUFFIX_SET: ReadonlySet<string> = new Set(SUFFIXES);

/** A particle or ending on its own, as when glued to a Latin word or a number ("report를", "VPN으로"). */
export function isKoreanSuffix(run: string): boolean {
  return SUFFIX_SET.has(run);
}
