/**
 * The figures of `npm run eval:answers`, from what each question got. Strict matching: an answer counts
 * only if it contains a reference answer after NFKC, lower-casing and whitespace folding; for Korean
 * references spaces are dropped on both sides, since Korean spacing varies between writers.
 */
import { percentile } from './eval-support.ts';

export interface AskedQuestion {
  readonly id: string;
  readonly question: string;
  readonly answerable: boolean;
  readonly references: readonly string[];
  /** The corpus ids of the paragraphs that answer it (empty when unanswerable). */
  readonly paragraphs: readonly string[];
  readonly answer: string;
  readonly answered: boolean;
  /** The corpus ids of the cited sources, in the order the reply lists them. */
  readonly cited: readonly string[];
  readonly latencyMs: number;
}

export interface FailureSample {
  readonly id: string;
  readonly question: string;
  readonly expected: string;
  readonly answer: string;
}

export interface AnswerReport {
  readonly questions: number;
  readonly answerable: number;
  readonly unanswerable: number;
  readonly answer_hit: number;
  readonly missed: number;
  readonly wrong_answer: number;
  readonly false_answer: number;
  readonly accuracy: number;
  readonly median_answer_chars: number;
  readonly citation_precision: number;
  readonly latency_ms: { readonly p50: number; readonly p95: number };
  readonly failures: {
    readonly missed: FailureSample[];
    readonly wrong_answer: FailureSample[];
    readonly false_answer: FailureSample[];
  };
}

const HANGUL = /\p{Script=Hangul}/u;

export function normaliseForMatch(text: string, dropSpaces: boolean): string {
  const folded = text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  return dropSpaces ? folded.replace(/ /g, '') : folded;
}

/** Whether `answer` contains one of `references`, strictly (see the file comment). */
export function containsReference(answer: string, references: readonly string[]): boolean {
  return references.some((reference) => {
    const korean = HANGUL.test(reference);
    const needle = normaliseForMatch(reference, korean);
    return needle !== '' && normaliseForMatch(answer, korean).includes(needle);
  });
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

export function scoreAnswers(asked: readonly AskedQuestion[], options: { samples: number }): AnswerReport {
  const answerable = asked.filter((q) => q.answerable);
  const unanswerable = asked.filter((q) => !q.answerable);
  const hits = answerable.filter((q) => q.answered && containsReference(q.answer, q.references));
  const missed = answerable.filter((q) => !q.answered);
  const wrong = answerable.filter((q) => q.answered && !containsReference(q.answer, q.references));
  const falseAnswers = unanswerable.filter((q) => q.answered);
  const lengths = asked
    .filter((q) => q.answered)
    .map((q) => q.answer.length)
    .sort((a, b) => a - b);
  // Citation precision: of the sources cited by answered, answerable questions, the share that is the
  // paragraph the question was written about.
  let cited = 0;
  let right = 0;
  for (const q of answerable) {
    if (!q.answered) continue;
    for (const id of q.cited) {
      cited++;
      if (q.paragraphs.includes(id)) right++;
    }
  }
  const latencies = asked.map((q) => q.latencyMs).sort((a, b) => a - b);
  const sample = (list: readonly AskedQuestion[]): FailureSample[] =>
    // Spread over the set rather than its first questions, which often share one article.
    pick(list, options.samples).map((q) => ({
      id: q.id,
      question: q.question,
      expected: q.answerable ? q.references.join(' | ') : '(unanswerable: decline)',
      answer: q.answer,
    }));
  const ratio = (n: number, d: number) => (d === 0 ? 0 : round(n / d));
  return {
    questions: asked.length,
    answerable: answerable.length,
    unanswerable: unanswerable.length,
    answer_hit: ratio(hits.length, answerable.length),
    missed: ratio(missed.length, answerable.length),
    wrong_answer: ratio(wrong.length, answerable.length),
    false_answer: ratio(falseAnswers.length, unanswerable.length),
    accuracy: ratio(hits.length + unanswerable.length - falseAnswers.length, asked.length),
    median_answer_chars: percentile(lengths, 0.5),
    citation_precision: ratio(right, cited),
    latency_ms: { p50: round(percentile(latencies, 0.5), 1), p95: round(percentile(latencies, 0.95), 1) },
    failures: { missed: sample(missed), wrong_answer: sample(wrong), false_answer: sample(falseAnswers) },
  };
}

function pick<T>(list: readonly T[], count: number): T[] {
  if (list.length <= count) return [...list];
  const step = list.length / count;
  return Array.from({ length: count }, (_, i) => list[Math.floor(i * step)]!);
}
