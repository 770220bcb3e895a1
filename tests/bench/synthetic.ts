/**
 * Synthetic text at scale for the 100k-chunk measurements: a Zipf-distributed vocabulary of
 * pronounceable pseudo-words, so term statistics look like prose (few very common terms, a long tail).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticText {
  sentence(words: number): string;
  paragraph(words: number): string;
  query(): string;
}

export function createSyntheticText(seed = 42, vocabularySize = 30_000): SyntheticText {
  const random = mulberry32(seed);
  const syllables = [
    'ka',
    'lo',
    'mi',
    'ren',
    'sa',
    'tor',
    'vel',
    'an',
    'is',
    'ur',
    'pe',
    'dra',
    'nu',
    'qui',
    'zo',
    'ber',
    'tal',
    'mon',
    'fi',
    'gar',
  ];
  const vocabulary: string[] = [];
  const seen = new Set<string>();
  while (vocabulary.length < vocabularySize) {
    const n = 2 + Math.floor(random() * 3);
    let word = '';
    for (let i = 0; i < n; i++) word += syllables[Math.floor(random() * syllables.length)];
    if (!seen.has(word)) {
      seen.add(word);
      vocabulary.push(word);
    }
  }
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= vocabulary.length; rank++) {
    total += 1 / rank ** 1.05;
    cumulative.push(total);
  }
  const pick = (): string => {
    const target = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return vocabulary[lo]!;
  };
  const sentence = (words: number) => {
    const parts = Array.from({ length: words }, pick);
    parts[0] = parts[0]!.charAt(0).toUpperCase() + parts[0]!.slice(1);
    return `${parts.join(' ')}.`;
  };
  return {
    sentence,
    paragraph(words) {
      const out: string[] = [];
      let left = words;
      while (left > 0) {
        const n = Math.min(left, 8 + Math.floor(random() * 12));
        out.push(sentence(n));
        left -= n;
      }
      return out.join(' ');
    },
    // Questions mix common and rarer words, like real ones.
    query: () => Array.from({ length: 3 + Math.floor(random() * 5) }, pick).join(' '),
  };
}
