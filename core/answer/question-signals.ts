/**
 * Signals that a passage holding a question's words still does not answer it: what questions written to
 * trick a reader do (SQuAD 2.0's "unanswerable" kind) — one word of the passage swapped for another in the
 * same slot ("a limited collection" for "an infinite collection"), an opposite ("least" for "most"), a negation
 * added, or a "who" asked of a
 * passage that names no one new. Callers pass the shared analyzer's terms (core/text), so Korean word forms
 * meet as stems.
 */
/** Negations in English and Korean, as written (the analyzer drops them as stopwords). */
const NEGATION =
  /\b(?:not|never|no|none|nor|neither|without|cannot|unable|fail(?:s|ed)?\s+to)\b|n['’]t\b|(?:^|\s)(?:안|못)\s|않|아닌|아니(?:다|었|라)|없(?:다|었|는|던|이)/iu;
/** Any trace of a negation, for the passage: a question is only "negated against it" if it has none. */
const NEGATION_TRACE =
  /\b(?:not|never|no|none|nor|neither|without|cannot|unable|fail(?:s|ed)?)\b|n['’]t\b|않|아니|아닌|없|못|(?:^|\s)안\s/iu;

/** 1 when the question is negated and the passage is not: "What is not used for…" of "…X is used". */
export function negationMismatch(question: string, passage: string): number {
  return NEGATION.test(question) && !NEGATION_TRACE.test(passage) ? 1 : 0;
}

/**
 * Opposites, English and Korean: a question that asks about the "least" known of what the passage calls the
 * "most" known reuses every other word. Korean entries are stems as the analyzer gives them.
 */
export const OPPOSITES: readonly (readonly [string, string])[] = [
  ['most', 'least'],
  ['more', 'less'],
  ['first', 'last'],
  ['always', 'never'],
  ['before', 'after'],
  ['largest', 'smallest'],
  ['earliest', 'latest'],
  ['early', 'late'],
  ['higher', 'lower'],
  ['highest', 'lowest'],
  ['major', 'minor'],
  ['increase', 'decrease'],
  ['best', 'worst'],
  ['easier', 'harder'],
  ['north', 'south'],
  ['east', 'west'],
  ['ancient', 'modern'],
  ['older', 'newer'],
  ['inside', 'outside'],
  ['strong', 'weak'],
  ['possible', 'impossible'],
  ['known', 'unknown'],
  ['common', 'rare'],
  ['internal', 'external'],
  ['private', 'public'],
  ['permanent', 'temporary'],
  ['inland', 'coastal'],
  ['처음', '마지막'],
  ['최초', '최후'],
  ['이전', '이후'],
  ['북쪽', '남쪽'],
  ['동쪽', '서쪽'],
  ['상류', '하류'],
  ['증가', '감소'],
  ['최대', '최소'],
  ['정규직', '계약직'],
  ['국내', '국외'],
  ['상승', '하락'],
];

const WORD = /[\p{L}\p{N}]+(?:-[\p{L}]+)?/gu;

/** 1 when the question has a word whose opposite the passage has instead ("least" asked of "most"). */
export function oppositeMismatch(question: string, passage: string): number {
  const asked = new Set(question.toLowerCase().match(WORD) ?? []);
  const written = new Set(passage.toLowerCase().match(WORD) ?? []);
  // Korean words carry particles ("최초의"): a word counts if it starts with the entry.
  const has = (words: ReadonlySet<string>, entry: string) =>
    words.has(entry) || (/^\p{Script=Hangul}/u.test(entry) && [...words].some((w) => w.startsWith(entry)));
  for (const [a, b] of OPPOSITES) {
    if (has(asked, a) && has(written, b) && !has(written, a)) return 1;
    if (has(asked, b) && has(written, a) && !has(written, b)) return 1;
  }
  return 0;
}

/**
 * Question words missing from the passage whose two neighbours meet there around another word: "a limited
 * collection of instances" asked of "an infinite collection of instances". (A looser test, one neighbour
 * beside a word the question lacks, and the share of the passage's words the question lacks were tried:
 * paraphrased questions that the passage does answer score higher on both, so they mislead.)
 */
export function substitutions(questionTerms: readonly string[], passageTerms: readonly string[]): number {
  const positions = new Map<string, number[]>();
  passageTerms.forEach((term, i) => {
    const list = positions.get(term);
    if (list === undefined) positions.set(term, [i]);
    else list.push(i);
  });
  let swapped = 0;
  questionTerms.forEach((term, i) => {
    if (positions.has(term)) return;
    const left = i > 0 ? positions.get(questionTerms[i - 1]!) : undefined;
    const right = i + 1 < questionTerms.length ? positions.get(questionTerms[i + 1]!) : undefined;
    if (left?.some((l) => right?.some((r) => r - l >= 2 && r - l <= 3))) swapped++;
  });
  return swapped;
}

const ASKS_PERSON = /^\s*(?:who|whom|whose)\b|\bwho\s+(?:was|is|were|did|had)\b/i;
/** A capitalised word that does not open the passage: a name, in English text. */
const NAME = /(?<=[\p{L}\p{N},;:()"'’]\s+)\p{Lu}[\p{L}'’-]+/gu;

/** 1 when an English "who" question gets a passage that names nobody beyond the question's own names. */
export function personMismatch(question: string, passage: string): number {
  if (!ASKS_PERSON.test(question)) return 0;
  const named = new Set((question.match(/\p{Lu}[\p{L}'’-]+/gu) ?? []).map((w) => w.toLowerCase()));
  const names = passage.match(NAME) ?? [];
  return names.some((name) => !named.has(name.toLowerCase())) ? 0 : 1;
}

/** A capitalised word that does not open the question: a name the question is about. */
const QUESTION_NAME = /(?<=\S\s+)\p{Lu}[\p{L}'’-]+/gu;

/**
 * The share of the names an English question gives ("When did Herve serve…") that the quoted sentence does
 * not hold: a question about someone the sentence does not mention is seldom answered by it, even when every
 * other word is there (the sentence is about someone else). Korean names carry no capitals: 0.
 */
export function missingNames(question: string, sentence: string): number {
  const names = [...new Set((question.match(QUESTION_NAME) ?? []).map((n) => n.replace(/['’]s$/, '')))];
  if (names.length === 0) return 0;
  const written = sentence.toLowerCase();
  return names.filter((name) => !written.includes(name.toLowerCase())).length / names.length;
}
