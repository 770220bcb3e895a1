/**
 * Retrieval metrics computed as trec_eval computes them (ndcg_cut, recall cut-offs), so figures can be
 * compared with published BEIR numbers: a run is ordered by score descending, ties by document id
 * descending; gain is the relevance grade; grades ≤ 0 are not relevant.
 */

/** query id → document id → relevance grade. */
export type Qrels = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface RunEntry {
  readonly docId: string;
  readonly score: number;
}

/** query id → retrieved documents (any order: they are sorted as trec_eval sorts them). */
export type Run = ReadonlyMap<string, readonly RunEntry[]>;

/** trec_eval's order: score descending, then document id descending (byte order). */
export function sortRun(entries: readonly RunEntry[]): RunEntry[] {
  return [...entries].sort((a, b) => {
    if (a.score !== b.score) return b.score - a.score;
    return a.docId < b.docId ? 1 : a.docId > b.docId ? -1 : 0;
  });
}

export function ndcgAt(k: number, ranked: readonly RunEntry[], judged: ReadonlyMap<string, number>): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    const gain = judged.get(ranked[i]!.docId) ?? 0;
    if (gain > 0) dcg += gain / Math.log2(i + 2);
  }
  const ideal = [...judged.values()].filter((grade) => grade > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i]! / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

export function recallAt(
  k: number,
  ranked: readonly RunEntry[],
  judged: ReadonlyMap<string, number>,
): number {
  let relevant = 0;
  for (const grade of judged.values()) if (grade > 0) relevant++;
  if (relevant === 0) return 0;
  let found = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    if ((judged.get(ranked[i]!.docId) ?? 0) > 0) found++;
  }
  return found / relevant;
}

export interface QueryMetrics {
  readonly queryId: string;
  readonly ndcg10: number;
  readonly recall100: number;
  /** 1 when the first document is relevant (the "HitRate@1" msmarco-ko's published figures use). */
  readonly hit1: number;
  readonly recall5: number;
}

export interface EvalSummary {
  readonly queries: number;
  readonly ndcg10: number;
  readonly recall100: number;
  readonly hit1: number;
  readonly recall5: number;
  readonly perQuery: readonly QueryMetrics[];
}

/**
 * Averages over every query that has at least one relevant document in the qrels; a query the run
 * has nothing for scores 0 (trec_eval -c), so an empty answer is never silently left out.
 */
export function evaluateRun(run: Run, qrels: Qrels): EvalSummary {
  const perQuery: QueryMetrics[] = [];
  for (const [queryId, judged] of qrels) {
    if (![...judged.values()].some((grade) => grade > 0)) continue;
    const ranked = sortRun(run.get(queryId) ?? []);
    const first = ranked[0];
    perQuery.push({
      queryId,
      ndcg10: ndcgAt(10, ranked, judged),
      recall100: recallAt(100, ranked, judged),
      hit1: first !== undefined && (judged.get(first.docId) ?? 0) > 0 ? 1 : 0,
      recall5: recallAt(5, ranked, judged),
    });
  }
  const mean = (pick: (m: QueryMetrics) => number) =>
    perQuery.length === 0 ? 0 : perQuery.reduce((sum, m) => sum + pick(m), 0) / perQuery.length;
  return {
    queries: perQuery.length,
    ndcg10: mean((m) => m.ndcg10),
    recall100: mean((m) => m.recall100),
    hit1: mean((m) => m.hit1),
    recall5: mean((m) => m.recall5),
    perQuery,
  };
}

/** Parses a BEIR/TREC qrels TSV (`query-id corpus-id score`, optional header line). */
export function parseQrels(tsv: string): Map<string, Map<string, number>> {
  const qrels = new Map<string, Map<string, number>>();
  for (const line of tsv.split(/\r?\n/u)) {
    const fields = line.trim().split(/\s+/u);
    if (fields.length < 3) continue;
    // TREC qrels have an iteration column: `qid 0 docid rel`.
    const [queryId, docId, grade] =
      fields.length >= 4 ? [fields[0]!, fields[2]!, fields[3]!] : [fields[0]!, fields[1]!, fields[2]!];
    const relevance = Number(grade);
    if (!Number.isFinite(relevance)) continue; // the header
    const judged = qrels.get(queryId) ?? new Map<string, number>();
    qrels.set(queryId, judged);
    judged.set(docId, relevance);
  }
  return qrels;
}
