/**
 * Moving stored BM25 postings to a new text analysis, chunk by chunk, with BM25's statistics exact at every
 * commit. Chunks record the analysis version that wrote them (`chunks.lexical_version`); the
 * reindex-lexical job lists the older ones and rewrites their postings here. Until it is done the retriever
 * also searches with the old analysis's terms (core's legacyQueryTerms), so no answer goes missing.
 */
import { sql } from 'drizzle-orm';
import type { LexicalDoc } from '#core';
import { chunkFrequencies, lockIndexStatistics, numberArray, upsertTerms } from './chunk-index.ts';
import { type Db, rows } from './client.ts';
import type { ChunkToEmbed } from './embedding-models.ts';

export interface LexicalProgress {
  /** Chunks whose postings come from an older analysis. */
  readonly stale: number;
  readonly total: number;
}

export async function lexicalReindexProgress(db: Db, version: number): Promise<LexicalProgress> {
  const [row] = await rows<{ stale: number; total: number }>(
    db,
    sql`select count(*) filter (where lexical_version < ${version})::int as stale, count(*)::int as total
        from chunks`,
  );
  return { stale: Number(row?.stale ?? 0), total: Number(row?.total ?? 0) };
}

/** Whether any chunk still has postings from an older analysis (an index lookup, cheap enough per question). */
export async function hasStaleLexicalChunks(db: Db, version: number): Promise<boolean> {
  const found = await rows<{ id: number }>(
    db,
    sql`select 1 as id from chunks where lexical_version < ${version} limit 1`,
  );
  return found.length > 0;
}

/** The next chunks after `afterChunkId` written by an older analysis, with the text they are indexed under. */
export async function listStaleLexicalChunks(
  db: Db,
  version: number,
  afterChunkId: number,
  limit: number,
): Promise<ChunkToEmbed[]> {
  const found = await rows<{ id: string | number; title: string; heading_path: string[]; text: string }>(
    db,
    sql`select c.id, d.title, c.heading_path, c.text
        from chunks c join documents d on d.id = c.document_id
        where c.lexical_version < ${version} and c.id > ${afterChunkId}
        order by c.id
        limit ${sql.raw(String(Math.max(1, Math.floor(limit))))}`,
  );
  return found.map((row) => ({
    chunkId: Number(row.id),
    title: row.title,
    headingPath: row.heading_path,
    text: row.text,
  }));
}

export interface ReanalysedChunk {
  readonly chunkId: number;
  readonly lexical: LexicalDoc;
}

/**
 * Replaces the postings of these chunks by their new analysis and marks them `version`, in one
 * transaction. Chunks deleted or already rewritten meanwhile are skipped. Returns how many were rewritten.
 */
export async function rewriteChunkPostings(
  db: Db,
  version: number,
  chunks: readonly ReanalysedChunk[],
): Promise<number> {
  if (chunks.length === 0) return 0;
  return db.transaction(async (tx) => {
    await lockIndexStatistics(tx);
    const current = await rows<{ id: string | number; collection_id: string; lexical_length: number }>(
      tx,
      sql`select id, collection_id, lexical_length from chunks
          where id = any(${numberArray(chunks.map((chunk) => chunk.chunkId))}::bigint[])
            and lexical_version < ${version}
          for update`,
    );
    if (current.length === 0) return 0;
    const collectionOf = new Map(current.map((row) => [Number(row.id), row.collection_id]));
    const oldLength = current.reduce((sum, row) => sum + Number(row.lexical_length), 0);
    const todo = chunks.filter((chunk) => collectionOf.has(chunk.chunkId));
    const ids = numberArray(todo.map((chunk) => chunk.chunkId));

    await tx.execute(sql`
      update lex_terms t set df = t.df - gone.n
      from (select term_id, count(*)::int as n from lex_postings where chunk_id = any(${ids}::bigint[])
            group by term_id) gone
      where t.id = gone.term_id`);
    await tx.execute(sql`delete from lex_postings where chunk_id = any(${ids}::bigint[])`);

    const termIds = await upsertTerms(tx, chunkFrequencies(todo.map(({ lexical }) => lexical)));
    const postingTerm: number[] = [];
    const postingChunk: number[] = [];
    const postingCollection: string[] = [];
    const postingTf: number[] = [];
    const postingLength: number[] = [];
    for (const { chunkId, lexical } of todo) {
      for (const [term, tf] of lexical.terms) {
        const termId = termIds.get(term);
        if (termId === undefined || !(tf > 0)) continue;
        postingTerm.push(termId);
        postingChunk.push(chunkId);
        postingCollection.push(collectionOf.get(chunkId)!);
        postingTf.push(tf);
        postingLength.push(lexical.length);
      }
    }
    if (postingTerm.length > 0) {
      await tx.execute(sql`
        insert into lex_postings (term_id, chunk_id, collection_id, tf, chunk_length)
        select p.term_id, p.chunk_id, p.collection_id, p.tf, p.chunk_length
        from unnest(${numberArray(postingTerm)}::int[], ${numberArray(postingChunk)}::bigint[],
                    ${`{${postingCollection.join(',')}}`}::uuid[],
                    ${numberArray(postingTf)}::real[], ${numberArray(postingLength)}::int[])
          as p(term_id, chunk_id, collection_id, tf, chunk_length)`);
    }
    await tx.execute(sql`
      update chunks c set lexical_length = x.length, lexical_version = ${version}
      from unnest(${ids}::bigint[], ${numberArray(todo.map((chunk) => chunk.lexical.length))}::int[])
        as x(id, length)
      where c.id = x.id`);
    const newLength = todo.reduce((sum, chunk) => sum + chunk.lexical.length, 0);
    await tx.execute(
      sql`update lex_stats set total_length = total_length + ${newLength - oldLength} where id = 1`,
    );
    return todo.length;
  });
}
