/**
 * The shortest passage of a sentence that still answers: a long sentence is cut into clauses (at commas,
 * semicolons, colons and dashes) and the run of clauses that holds most of the question's weight is kept,
 * widened by neighbouring clauses while it stays within the limit — the answer usually sits right beside the
 * words the question repeats ("… was conquered by William" for "who conquered…").
 */
const CLAUSE_END = /(?<=[,;:，、])\s+|\s+(?=[–—-]\s)/u;

export function shortestAnsweringSpan(
  sentence: string,
  termsOf: (clause: string) => ReadonlySet<string>,
  questionTerms: readonly string[],
  idf: ReadonlyMap<string, number>,
  maxChars: number,
  /** Extra weight for a clause, in the units of idf: one holding the kind of thing asked for. */
  bonus: (clause: string) => number = () => 0,
): string {
  if (sentence.length <= maxChars) return sentence;
  const clauses = sentence.split(CLAUSE_END).filter((clause) => clause.trim() !== '');
  if (clauses.length < 2) return sentence;
  const weights = clauses.map((clause) => {
    const terms = termsOf(clause);
    return (
      bonus(clause) +
      questionTerms.reduce((sum, term) => sum + (terms.has(term) ? (idf.get(term) ?? 0) : 0), 0)
    );
  });
  const length = (from: number, to: number) => clauses.slice(from, to + 1).join(' ').length;

  // The best-weighted run of clauses within the limit (shorter on ties).
  let best = { from: 0, to: 0, weight: -1 };
  for (let from = 0; from < clauses.length; from++) {
    let weight = 0;
    for (let to = from; to < clauses.length; to++) {
      weight += weights[to] ?? 0;
      if (to > from && length(from, to) > maxChars) break;
      if (weight > best.weight) best = { from, to, weight };
    }
  }
  // Widen with the next clause first (answers tend to follow the repeated words), then the previous one.
  let { from, to } = best;
  for (;;) {
    if (to + 1 < clauses.length && length(from, to + 1) <= maxChars) to += 1;
    else if (from > 0 && length(from - 1, to) <= maxChars) from -= 1;
    else break;
  }
  return clauses.slice(from, to + 1).join(' ');
}
