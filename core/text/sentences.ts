/**
 * Sentence segmentation for every language, shared by chunking and answering: Unicode's sentence rules
 * (UAX #29, through `Intl.Segmenter`) find the ends — so "했다. 그는" splits like "did. He" and "。" ends a
 * Japanese sentence — and one correction on top: ICU breaks after every "." followed by a capital, so
 * abbreviations ("Dr.", "e.g."), initials ("J. Smith") and "No. 5" are joined back to what follows.
 */

/** Words that end in a period without ending a sentence. */
const ABBREVIATIONS: ReadonlySet<string> = new Set(
  `e.g i.e eg ie cf vs viz approx etc al mr mrs ms dr prof sr jr st mt inc ltd co corp dept ed est min max
  a.m p.m u.s u.k z.b bzw ca jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun`.split(
    /\s+/,
  ),
);

/** Abbreviations that only precede a number ("No. 5", "p. 12", "Fig. 2"); elsewhere "no." ends a sentence. */
const NUMBER_ABBREVIATIONS: ReadonlySet<string> = new Set(
  'no nos nr fig figs ch sec art para p pp vol'.split(' '),
);

const segmenter = new Intl.Segmenter('und', { granularity: 'sentence' });

/**
 * The sentences of `text` in order, each trimmed; joined with single spaces they give back the text's words.
 * Layout (paragraphs, list items, table rows) is the caller's business: this sees one run of prose.
 */
export function segmentSentences(text: string): string[] {
  const out: string[] = [];
  let pending = '';
  for (const { segment, index } of segmenter.segment(text)) {
    const joined = pending + segment;
    const next = text.slice(index + segment.length).trimStart();
    if (endsInAbbreviation(joined.trimEnd(), next)) {
      pending = joined;
      continue;
    }
    const sentence = joined.trim();
    if (sentence !== '') out.push(sentence);
    pending = '';
  }
  const rest = pending.trim();
  if (rest !== '') out.push(rest);
  return out;
}

/** Whether `sentence` ends in a period that belongs to an abbreviation or an initial rather than ending it. */
function endsInAbbreviation(sentence: string, after: string): boolean {
  if (!sentence.endsWith('.') || sentence.endsWith('..')) return false;
  const token = /(\S+)\.$/.exec(sentence)?.[1] ?? '';
  const word = token.replace(/^["'“‘([]+/, '').toLowerCase();
  if (word === '') return false;
  if (ABBREVIATIONS.has(word)) return true;
  if (NUMBER_ABBREVIATIONS.has(word)) return /^\p{N}/u.test(after);
  // An initial ("J. Smith") or a dotted abbreviation such as "U.S" / "a.m".
  return /^\p{Lu}$/u.test(token) || /^(?:\p{L}\.)+\p{L}$/u.test(word);
}
