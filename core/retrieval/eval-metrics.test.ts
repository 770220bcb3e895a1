import { describe, expect, it } from 'vitest';
import { evaluateRun, ndcgAt, parseQrels, recallAt, sortRun } from './eval-metrics.ts';

describe('trec_eval metrics', () => {
  const judged = new Map([
    ['d1', 2],
    ['d3', 1],
    ['d9', 1],
    ['d7', 0],
  ]);

  it('computes nDCG@k with graded gains and the qrels’ ideal ordering', () => {
    const ranked = [
      { docId: 'd3', score: 3 },
      { docId: 'd2', score: 2 },
      { docId: 'd1', score: 1 },
    ];
    // DCG = 1/log2(2) + 2/log2(4) = 2; ideal = 2/1 + 1/log2(3) + 1/log2(4) = 2.5 + 1/log2(3)
    const ideal = 2 + 1 / Math.log2(3) + 1 / 2;
    expect(ndcgAt(10, ranked, judged)).toBeCloseTo(2 / ideal, 12);
    // The cut-off also cuts the ideal list: at k=1, ideal is d1's gain alone.
    expect(ndcgAt(1, ranked, judged)).toBeCloseTo(1 / 2, 12);
  });

  it('computes recall@k over all relevant documents', () => {
    const ranked = [
      { docId: 'd3', score: 3 },
      { docId: 'd7', score: 2 },
      { docId: 'd1', score: 1 },
    ];
    expect(recallAt(100, ranked, judged)).toBeCloseTo(2 / 3, 12);
    expect(recallAt(1, ranked, judged)).toBeCloseTo(1 / 3, 12);
  });

  it('orders ties as trec_eval does: score descending, then document id descending', () => {
    const sorted = sortRun([
      { docId: 'a', score: 1 },
      { docId: 'c', score: 1 },
      { docId: 'b', score: 2 },
      { docId: 'b2', score: 1 },
    ]);
    expect(sorted.map((entry) => entry.docId)).toEqual(['b', 'c', 'b2', 'a']);
  });

  it('averages over judged queries with a relevant document; an empty run scores zero', () => {
    const qrels = parseQrels('query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td3\t0\n');
    const run = new Map([['q1', [{ docId: 'd1', score: 1 }]]]);
    const summary = evaluateRun(run, qrels);
    expect(summary.queries).toBe(2);
    expect(summary.ndcg10).toBeCloseTo(0.5, 12);
    expect(summary.recall100).toBeCloseTo(0.5, 12);
  });

  it('counts hit@1 only when the first document is relevant, and recall@5 within the first five', () => {
    const qrels = parseQrels('q1\td1\t1\nq1\td9\t1\nq2\td2\t1\n');
    const ranked = (...ids: string[]) => ids.map((docId, i) => ({ docId, score: 10 - i }));
    const run = new Map([
      ['q1', ranked('d1', 'x', 'y', 'z', 'w', 'd9')],
      ['q2', ranked('x', 'd2')],
    ]);
    const summary = evaluateRun(run, qrels);
    expect(summary.hit1).toBeCloseTo(0.5, 12);
    // q1 finds one of its two in the first five, q2 its only one.
    expect(summary.recall5).toBeCloseTo(0.75, 12);
  });

  it('reads four-column TREC qrels too', () => {
    expect(parseQrels('7 0 doc-1 2\n7 0 doc-2 0\n')).toEqual(
      new Map([
        [
          '7',
          new Map([
            ['doc-1', 2],
            ['doc-2', 0],
          ]),
        ],
      ]),
    );
  });
});
