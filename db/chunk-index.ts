/**
 * The write side of retrieval: chunks, their BM25 postings and statistics, and their embeddings.
 * Callers pass their own transaction handle; every function here only issues statements on it.
 *
 * Concurrency: every writer locks the single `lex_stats` row first and only then touches `lex_terms`
 * (in term order), so writers on real Postgres queue on that row instead of deadlocking on terms, and
 * df / chunk_count / total_length always equal what the postings say.
 */
import { createHash } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { IndexedChunk } from '#core';
import { type Db, type Executor, rows } from './client.ts';

/** Longer "terms" are pasted hashes or URLs: never worth a vocabulary row (and btree keys are bounded). */
const MAX_TERM_LENGTH = 120;

/** The model name is written into index predicates as a literal, so it is quoted here, once. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Name of the partial HNSW index serving one embedding model. */
export function embeddingIndexName(model: string): string {
  const slug = model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  const digest = createHash('sha256').update(model).digest('hex').slice(0, 8);
  return `chunk_embeddings_hnsw_${slug}_${digest}`;
}

/** A Postgres array literal of numbers, sent as one text parameter (drivers disagree on JS arrays). */
function numberArray(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

function vectorLiteral(values: readonly number[]): string {
  return `[${values.join(',')}]`;
}

/**
 * Registers an embedding model and creates its partial HNSW (cosine) index when missing. Idempotent and
 * safe when several processes start at once (an advisory lock serialises the check-and-create).
 * The first model registered becomes the active one.
 */
export async function ensureEmbeddingModel(
  executor: Executor,
  { model, dimensions }: { model: string; dimensions: number },
): Promise<void> {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 2000) {
    throw new RangeError(`embedding dimensions must be 1…2000 for an HNSW index, got ${dimensions}`);
  }
  await executor.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(724119002)`);
    await tx.execute(sql`
      insert into embedding_models (name, dimensions, state, activated_at)
      select ${model}, ${dimensions},
             case when exists (select 1 from embedding_models where state = 'active') then 'building' else 'active' end,
             case when exists (select 1 from embedding_models where state = 'active') then null else now() end
      on conflict (name) do nothing`);
    const [registered] = await rows<{ dimensions: number }>(
      tx,
      sql`select dimensions from embedding_models where name = ${model}`,
    );
    if (registered?.dimensions !== dimensions) {
      throw new Error(
        `embedding model ${model} is registered with ${registered?.dimensions} dimensions, not ${dimensions}`,
      );
    }
    await tx.execute(
      sql.raw(
        `create index if not exists ${embeddingIndexName(model)} on chunk_embeddings ` +
          `using hnsw ((embedding::vector(${dimensions})) vector_cosine_ops) ` +
          `where model = ${quoteLiteral(model)}`,
      ),
    );
  });
}

async function lockIndexStatistics(tx: Executor): Promise<void> {
  await tx.execute(
    sql`insert into lex_stats (id, chunk_count, total_length) values (1, 0, 0) on conflict do nothing`,
  );
  await tx.execute(sql`select id from lex_stats where id = 1 for update`);
}

/** Removes the document's chunks with their postings and embeddings, and takes them out of BM25's statistics. */
async function removeChunks(tx: Executor, documentId: string): Promise<number> {
  const old = sql`select id from chunks where document_id = ${documentId}`;
  const [counted] = await rows<{ n: number; total: number }>(
    tx,
    sql`select count(*)::int as n, coalesce(sum(lexical_length), 0)::bigint as total
        from chunks where document_id = ${documentId}`,
  );
  const n = Number(counted?.n ?? 0);
  if (n === 0) return 0;
  await tx.execute(sql`
    update lex_terms t set df = t.df - gone.n
    from (select term_id, count(*)::int as n from lex_postings where chunk_id in (${old}) group by term_id) gone
    where t.id = gone.term_id`);
  await tx.execute(sql`delete from lex_postings where chunk_id in (${old})`);
  await tx.execute(sql`delete from chunk_embeddings where chunk_id in (${old})`);
  await tx.execute(sql`delete from chunks where document_id = ${documentId}`);
  await tx.execute(sql`
    update lex_stats set chunk_count = chunk_count - ${n}, total_length = total_length - ${Number(counted?.total ?? 0)}
    where id = 1`);
  return n;
}

export interface DocumentChunksWrite {
  readonly documentId: string;
  readonly collectionId: string;
  readonly version: number;
  readonly embeddingModel: string;
  readonly chunks: readonly IndexedChunk[];
}

/**
 * Replaces all chunks of a document (postings, embeddings and BM25 statistics included) in bulk
 * statements on the caller's transaction. Returns the new chunk ids in the order of `chunks`.
 * Throws, leaving the caller to roll back, when an embedding does not fit the model's dimensions.
 */
export async function writeDocumentChunks(tx: Executor, write: DocumentChunksWrite): Promise<number[]> {
  const { documentId, collectionId, version, embeddingModel, chunks } = write;
  const [model] = await rows<{ dimensions: number }>(
    tx,
    sql`select dimensions from embedding_models where name = ${embeddingModel}`,
  );
  if (!model) throw new Error(`embedding model ${embeddingModel} is not registered`);
  for (const chunk of chunks) {
    if (chunk.embedding.length !== model.dimensions) {
      throw new Error(
        `chunk ${chunk.position} has a ${chunk.embedding.length}-dimensional embedding; ${embeddingModel} has ${model.dimensions}`,
      );
    }
  }
  const positions = new Set(chunks.map((chunk) => chunk.position));
  if (positions.size !== chunks.length) throw new Error('chunk positions must be unique within a document');

  await lockIndexStatistics(tx);
  await removeChunks(tx, documentId);
  if (chunks.length === 0) return [];

  const chunkRows = chunks.map((chunk) => ({
    position: chunk.position,
    heading_path: [...chunk.headingPath],
    text: chunk.text,
    token_count: chunk.tokenCount,
    lexical_length: chunk.lexical.length,
    page: chunk.page ?? null,
  }));
  const inserted = await rows<{ id: string | number; position: number }>(
    tx,
    sql`insert into chunks (document_id, collection_id, document_version, position, heading_path, text,
                            token_count, lexical_length, page)
        select ${documentId}, ${collectionId}, ${version}, c.position, c.heading_path, c.text,
               c.token_count, c.lexical_length, c.page
        from jsonb_to_recordset(${JSON.stringify(chunkRows)}::jsonb)
          as c(position int, heading_path text[], text text, token_count int, lexical_length int, page int)
        returning id, position`,
  );
  const idByPosition = new Map(inserted.map((row) => [row.position, Number(row.id)]));
  const ids = chunks.map((chunk) => idByPosition.get(chunk.position)!);

  // Vocabulary: how many of the new chunks contain each term.
  const chunkFrequency = new Map<string, number>();
  for (const chunk of chunks) {
    for (const term of chunk.lexical.terms.keys()) {
      if (term.length > 0 && term.length <= MAX_TERM_LENGTH) {
        chunkFrequency.set(term, (chunkFrequency.get(term) ?? 0) + 1);
      }
    }
  }
  const termIds = await upsertTerms(tx, chunkFrequency);

  const postingTerm: number[] = [];
  const postingChunk: number[] = [];
  const postingTf: number[] = [];
  const postingLength: number[] = [];
  chunks.forEach((chunk, i) => {
    for (const [term, tf] of chunk.lexical.terms) {
      const termId = termIds.get(term);
      if (termId === undefined || !(tf > 0)) continue;
      postingTerm.push(termId);
      postingChunk.push(ids[i]!);
      postingTf.push(tf);
      postingLength.push(chunk.lexical.length);
    }
  });
  if (postingTerm.length > 0) {
    await tx.execute(sql`
      insert into lex_postings (term_id, chunk_id, collection_id, tf, chunk_length)
      select p.term_id, p.chunk_id, ${collectionId}, p.tf, p.chunk_length
      from unnest(${numberArray(postingTerm)}::int[], ${numberArray(postingChunk)}::bigint[],
                  ${numberArray(postingTf)}::real[], ${numberArray(postingLength)}::int[])
        as p(term_id, chunk_id, tf, chunk_length)`);
  }

  const vectors = chunks.map((chunk) => vectorLiteral(chunk.embedding));
  await tx.execute(sql`
    insert into chunk_embeddings (chunk_id, model, collection_id, embedding)
    select e.chunk_id, ${embeddingModel}, ${collectionId}, e.embedding
    from unnest(${numberArray(ids)}::bigint[], ${`{${vectors.map((v) => `"${v}"`).join(',')}}`}::vector[])
      as e(chunk_id, embedding)`);

  const totalLength = chunks.reduce((sum, chunk) => sum + chunk.lexical.length, 0);
  await tx.execute(sql`
    update lex_stats set chunk_count = chunk_count + ${chunks.length}, total_length = total_length + ${totalLength}
    where id = 1`);
  return ids;
}

/**
 * Adds each term's chunk frequency to its df, creating missing terms; returns term → id. Existing terms
 * are updated first and only the missing ones inserted, so serial ids are not burnt by conflicts.
 * Rows are touched in term order (the caller already holds the lex_stats lock, which serialises writers).
 */
async function upsertTerms(
  tx: Executor,
  chunkFrequency: ReadonlyMap<string, number>,
): Promise<Map<string, number>> {
  if (chunkFrequency.size === 0) return new Map();
  const sorted = [...chunkFrequency].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const recordset = (entries: readonly (readonly [string, number])[]): SQL =>
    sql`jsonb_to_recordset(${JSON.stringify(entries.map(([term, n]) => ({ term, n })))}::jsonb) as x(term text, n int)`;
  const ids = new Map<string, number>();
  const updated = await rows<{ id: number; term: string }>(
    tx,
    sql`update lex_terms t set df = t.df + x.n from ${recordset(sorted)}
        where t.term = x.term returning t.id, t.term`,
  );
  for (const row of updated) ids.set(row.term, Number(row.id));
  const missing = sorted.filter(([term]) => !ids.has(term));
  if (missing.length > 0) {
    const inserted = await rows<{ id: number; term: string }>(
      tx,
      sql`insert into lex_terms (term, df) select x.term, x.n from ${recordset(missing)} order by x.term
          on conflict (term) do update set df = lex_terms.df + excluded.df
          returning id, term`,
    );
    for (const row of inserted) ids.set(row.term, Number(row.id));
  }
  return ids;
}

/** Deletes every chunk of a document and keeps BM25's statistics exact. Returns how many were deleted. */
export async function deleteDocumentChunks(tx: Executor, documentId: string): Promise<number> {
  await lockIndexStatistics(tx);
  return removeChunks(tx, documentId);
}

/** Moves a document's chunks to another collection (the collection id is denormalised for the access filter). */
export async function moveDocumentChunks(
  tx: Executor,
  documentId: string,
  collectionId: string,
): Promise<number> {
  const ids = sql`select id from chunks where document_id = ${documentId}`;
  await tx.execute(sql`update lex_postings set collection_id = ${collectionId} where chunk_id in (${ids})`);
  await tx.execute(
    sql`update chunk_embeddings set collection_id = ${collectionId} where chunk_id in (${ids})`,
  );
  const moved = await rows<{ id: number }>(
    tx,
    sql`update chunks set collection_id = ${collectionId} where document_id = ${documentId} returning id`,
  );
  return moved.length;
}

/**
 * Vacuums and analyses the retrieval tables. Postgres's autovacuum does this by itself; embedded PGlite
 * has no autovacuum, so call this after a batch of ingestion there. It must run outside a transaction.
 * Until a page is vacuumed, BM25's index-only scans fall back to reading the table (at 100k chunks,
 * lexical p95 85 ms instead of 27 ms), and the updates of lex_terms leave dead rows behind.
 */
export async function vacuumChunkIndex(db: Pick<Db, 'execute'>): Promise<void> {
  await db.execute(sql`vacuum (analyze) lex_postings, lex_terms, lex_stats, chunks, chunk_embeddings`);
}
