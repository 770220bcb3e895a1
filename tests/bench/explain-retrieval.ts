/**
 * Where a retrieval's time goes, statement by statement: the hybrid retriever runs as usual on a database
 * handle that first runs each BM25 and vector statement under `explain (analyze, buffers)` and keeps the plan
 * (`npm run bench -- --only postgres --pg-explain`). The statements then run for real, so the retriever sees
 * its ordinary results and `set_config` calls still apply.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Embedder, RetrievalScope } from '#core';
import { type Db, rows } from '#db';
import { createHybridRetriever } from '../../core/retrieval/hybrid-retriever.ts';
import { createChunkSearch } from '../../db/chunk-search.ts';

type Executor = Pick<Db, 'execute' | 'transaction'>;

function explaining<T extends Executor>(executor: T, plans: string[]): T {
  return new Proxy(executor, {
    get(target, property, receiver) {
      if (property === 'execute') {
        return async (query: SQL) => {
          const text = JSON.stringify(
            query.queryChunks.map((chunk) => String((chunk as { value?: unknown }).value ?? '')),
          );
          // Only the statements that read postings or vectors: the small probes around them are not worth a plan.
          if (/lex_postings|chunk_embeddings e/.test(text)) {
            const plan = await rows<{ 'QUERY PLAN': string }>(
              target,
              sql`explain (analyze, buffers) ${query}`,
            );
            plans.push(plan.map((line) => line['QUERY PLAN']).join('\n'));
          }
          return target.execute(query);
        };
      }
      if (property === 'transaction') {
        return (run: (tx: Executor) => Promise<unknown>) =>
          target.transaction((tx) => run(explaining(tx as Executor, plans)));
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/** The plans of one question's BM25 and vector statements, in the order they ran. */
export async function explainRetrieval(
  db: Db,
  embedder: Embedder,
  question: string,
  scope: RetrievalScope,
): Promise<string[]> {
  const plans: string[] = [];
  const retriever = createHybridRetriever({ search: createChunkSearch(explaining(db, plans)), embedder });
  await retriever.retrieve(question, scope, { limit: 8 });
  return plans;
}
