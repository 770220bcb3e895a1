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
import { type IndexedChunk, LEXICAL_ANALYSIS_VERSION, type LexicalDoc } from '#core';
import { type Db, type Executor, rows } from './client.ts';

/** Longer "terms" are pasted hashes or URLs: never worth a vocabulary row (and btree keys are bounded). */
export const MAX_TERM_LENGTH = 120;

/**
 * The vector index is an HNSW graph over the vectors' sign bits (pgvector's binary_quantize, Hamming
 * distance); searches re-rank a shortlist from it by exact cosine (db/chunk-search.ts). Measured in
 * PGlite with 384-d vectors: an insert into a float HNSW (m 16, ef_construction 64) costs ~5.8 ms, into
 * this one ~1.3 ms, which took SciFact's ingestion from ~17 to ~11 ms per document. Quality on SciFact's
 * train queries, hybrid nDCG@10: float graph 0.7166, float graph with m 8 / ef_construction 32 0.7087,
 * sign-bit graph with a shortlist of 200 / 400 / 1,000 re-ranked: 0.703 / 0.711 / 0.7175.
 */
const HNSW_M = 16;
const HNSW_EF_CONSTRUCTION = 64;

/** The model name is written into index predicates as a literal, so it is quoted here, once. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Name of the partial HNSW index serving one embedding model. */
export function embeddingIndexName(model: string, kind: 'bq' | 'hnsw' = 'bq'): string {
  const slug = model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  const digest = createHash('sha256').update(model).digest('hex').slice(0, 8);
  return `chunk_embeddings_${kind}_${slug}_${digest}`;
}

/** The indexed expression: a vector's signs as bits, compared by Hamming distance in the graph. */
export function quantizedEmbedding(column: string, dimensions: number): string {
  return `(binary_quantize(${column}::vector(${dimensions}))::bit(${dimensions}))`;
}

/** A Postgres array literal of numbers, sent as one text parameter (drivers disagree on JS arrays). */
export function numberArray(values: readonly number[]): string {
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
    // Earlier versions indexed the float vectors themselves.
    await tx.execute(sql.raw(`drop index if exists ${embeddingIndexName(model, 'hnsw')}`));
    await tx.execute(
      sql.raw(
        `create index if not exists ${embeddingIndexName(model)} on chunk_embeddings ` +
          `using hnsw (${quantizedEmbedding('embedding', dimensions)} bit_hamming_ops) ` +
          `with (m = ${HNSW_M}, ef_construction = ${HNSW_EF_CONSTRUCTION}) ` +
          `where model = ${quoteLiteral(model)}`,
      ),
    );
  });
}

export async function lockIndexStatistics(tx: Executor): Promise<void> {
  // The row exists after the first write: one statement then (each costs PGlite ~0.2 ms before any work).
  const locked = await rows(tx, sql`select id from lex_stats where id = 1 for update`);
  if (locked.length > 0) return;
  await tx.execute(
    sql`insert into lex_stats (id, chunk_count, total_length) values (1, 0, 0) on conflict do nothing`,
  );
  await tx.execute(sql`select id from lex_stats where id = 1 for update`);
}

/** Removes the documents' chunks with their postings and embeddings, and takes them out of BM25's statistics. */
async function removeChunks(tx: Executor, documentIds: readonly string[]): Promise<number> {
  if (documentIds.length === 0) return 0;
  const documentsParam = sql`${`{${documentIds.join(',')}}`}::uuid[]`;
  return removeChunksWhere(tx, sql`document_id = any(${documentsParam})`);
}

/** Removes the chunks the condition (on `chunks`) selects, keeping df / chunk_count / total_length exact. */
async function removeChunksWhere(tx: Executor, condition: SQL): Promise<number> {
  const old = sql`select id from chunks where ${condition}`;
  const [counted] = await rows<{ n: number; total: number }>(
    tx,
    sql`select count(*)::int as n, coalesce(sum(lexical_length), 0)::bigint as total
        from chunks where ${condition}`,
  );
  const n = Number(counted?.n ?? 0);
  if (n === 0) return 0;
  await tx.execute(sql`
    update lex_terms t set df = t.df - gone.n
    from (select term_id, count(*)::int as n from lex_postings where chunk_id in (${old}) group by term_id) gone
    where t.id = gone.term_id`);
  await tx.execute(sql`delete from lex_postings where chunk_id in (${old})`);
  await tx.execute(sql`delete from chunk_embeddings where chunk_id in (${old})`);
  await tx.execute(sql`delete from chunks where ${condition}`);
  await tx.execute(sql`
    update lex_stats set chunk_count = chunk_count - ${n}, total_length = total_length - ${Number(counted?.total ?? 0)}
    where id = 1`);
  return n;
}

/**
 * Removes at most `limit` of a document's chunks whose version is (`'only'`) or is not (`'except'`)
 * `version`; returns how many. Large documents are cleared by calling it, one short transaction at a
 * time, until it returns 0, so no single statement holds the embedded database for long.
 */
export async function removeDocumentChunksBatch(
  tx: Executor,
  {
    documentId,
    version,
    which,
    limit,
  }: { documentId: string; version: number; which: 'only' | 'except'; limit: number },
): Promise<number> {
  await lockIndexStatistics(tx);
  const versionTest =
    which === 'only' ? sql`document_version = ${version}` : sql`document_version <> ${version}`;
  const batch = await rows<{ id: string | number }>(
    tx,
    sql`select id from chunks where document_id = ${documentId} and ${versionTest} limit ${limit}`,
  );
  if (batch.length === 0) return 0;
  return removeChunksWhere(tx, sql`id = any(${`{${batch.map((row) => row.id).join(',')}}`}::bigint[])`);
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
  const [ids] = await writeChunksOfDocuments(tx, [write]);
  return ids!;
}

/**
 * writeDocumentChunks for several documents at once, with one statement per table rather than one per
 * document: the vocabulary's df rows shared by the documents are updated once, and the statistics row
 * is locked once. Returns each document's new chunk ids, in the order of `writes`.
 */
export async function writeChunksOfDocuments(
  tx: Executor,
  writes: readonly DocumentChunksWrite[],
  /** 'append' adds the chunks beside the documents' existing ones (a large document written in parts). */
  mode: 'replace' | 'append' = 'replace',
): Promise<number[][]> {
  const documentIds = writes.map((write) => write.documentId);
  if (new Set(documentIds).size !== documentIds.length) {
    throw new Error('each document may appear once in a chunk write');
  }
  const dimensionsByModel = new Map<string, number>();
  for (const model of new Set(writes.map((write) => write.embeddingModel))) {
    const [registered] = await rows<{ dimensions: number }>(
      tx,
      sql`select dimensions from embedding_models where name = ${model}`,
    );
    if (!registered) throw new Error(`embedding model ${model} is not registered`);
    dimensionsByModel.set(model, registered.dimensions);
  }
  for (const { embeddingModel, chunks } of writes) {
    const dimensions = dimensionsByModel.get(embeddingModel);
    for (const chunk of chunks) {
      if (chunk.embedding.length !== dimensions) {
        throw new Error(
          `chunk ${chunk.position} has a ${chunk.embedding.length}-dimensional embedding; ${embeddingModel} has ${dimensions}`,
        );
      }
    }
    const positions = new Set(chunks.map((chunk) => chunk.position));
    if (positions.size !== chunks.length) throw new Error('chunk positions must be unique within a document');
  }

  await lockIndexStatistics(tx);
  if (mode === 'replace') await removeChunks(tx, documentIds);
  const all = writes.flatMap((write) => write.chunks.map((chunk) => ({ write, chunk })));
  if (all.length === 0) return writes.map(() => []);

  const chunkRows = all.map(({ write, chunk }) => ({
    document_id: write.documentId,
    collection_id: write.collectionId,
    document_version: write.version,
    position: chunk.position,
    heading_path: [...chunk.headingPath],
    text: chunk.text,
    token_count: chunk.tokenCount,
    lexical_length: chunk.lexical.length,
    lexical_version: LEXICAL_ANALYSIS_VERSION,
    page: chunk.page ?? null,
  }));
  const inserted = await rows<{ id: string | number; document_id: string; position: number }>(
    tx,
    sql`insert into chunks (document_id, collection_id, document_version, position, heading_path, text,
                            token_count, lexical_length, lexical_version, page)
        select c.document_id, c.collection_id, c.document_version, c.position, c.heading_path, c.text,
               c.token_count, c.lexical_length, c.lexical_version, c.page
        from jsonb_to_recordset(${JSON.stringify(chunkRows)}::jsonb)
          as c(document_id uuid, collection_id uuid, document_version int, position int, heading_path text[],
               text text, token_count int, lexical_length int, lexical_version int, page int)
        returning id, document_id, position`,
  );
  const idOf = new Map(inserted.map((row) => [`${row.document_id}:${row.position}`, Number(row.id)]));
  const ids = all.map(({ write, chunk }) => idOf.get(`${write.documentId}:${chunk.position}`)!);

  // Vocabulary: how many of the new chunks contain each term.
  const termIds = await upsertTerms(tx, chunkFrequencies(all.map(({ chunk }) => chunk.lexical)));

  const postingTerm: number[] = [];
  const postingChunk: number[] = [];
  const postingCollection: string[] = [];
  const postingTf: number[] = [];
  const postingLength: number[] = [];
  all.forEach(({ write, chunk }, i) => {
    for (const [term, tf] of chunk.lexical.terms) {
      const termId = termIds.get(term);
      if (termId === undefined || !(tf > 0)) continue;
      postingTerm.push(termId);
      postingChunk.push(ids[i]!);
      postingCollection.push(write.collectionId);
      postingTf.push(tf);
      postingLength.push(chunk.lexical.length);
    }
  });
  if (postingTerm.length > 0) {
    await tx.execute(sql`
      insert into lex_postings (term_id, chunk_id, collection_id, tf, chunk_length)
      select p.term_id, p.chunk_id, p.collection_id, p.tf, p.chunk_length
      from unnest(${numberArray(postingTerm)}::int[], ${numberArray(postingChunk)}::bigint[],
                  ${`{${postingCollection.join(',')}}`}::uuid[],
                  ${numberArray(postingTf)}::real[], ${numberArray(postingLength)}::int[])
        as p(term_id, chunk_id, collection_id, tf, chunk_length)`);
  }

  for (const model of dimensionsByModel.keys()) {
    const of = all.flatMap((entry, i) => (entry.write.embeddingModel === model ? [i] : []));
    if (of.length === 0) continue;
    const vectors = of.map((i) => `"${vectorLiteral(all[i]!.chunk.embedding)}"`);
    const collections = of.map((i) => all[i]!.write.collectionId);
    await tx.execute(sql`
      insert into chunk_embeddings (chunk_id, model, collection_id, embedding)
      select e.chunk_id, ${model}, e.collection_id, e.embedding
      from unnest(${numberArray(of.map((i) => ids[i]!))}::bigint[], ${`{${collections.join(',')}}`}::uuid[],
                  ${`{${vectors.join(',')}}`}::vector[])
        as e(chunk_id, collection_id, embedding)`);
  }

  const totalLength = all.reduce((sum, { chunk }) => sum + chunk.lexical.length, 0);
  await tx.execute(sql`
    update lex_stats set chunk_count = chunk_count + ${all.length}, total_length = total_length + ${totalLength}
    where id = 1`);

  const byDocument = new Map(writes.map((write) => [write.documentId, [] as number[]]));
  for (const [i, { write }] of all.entries()) byDocument.get(write.documentId)!.push(ids[i]!);
  return writes.map((write) => byDocument.get(write.documentId)!);
}

/**
 * Adds each term's chunk frequency to its df, creating missing terms; returns term → id. Existing terms
 * are updated first and only the missing ones inserted, so serial ids are not burnt by conflicts.
 * Rows are touched in term order (the caller already holds the lex_stats lock, which serialises writers).
 */
export async function upsertTerms(
  tx: Executor,
  chunkFrequency: ReadonlyMap<string, number>,
): Promise<Map<string, number>> {
  if (chunkFrequency.size === 0) return new Map();
  const sorted = [...chunkFrequency].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const recordset = (entries: readonly (readonly [string, number])[]): SQL =>
    sql`jsonb_to_recordset(${JSON.stringify(entries.map(([term, n]) => ({ term, n })))}::jsonb) as x(term text, n int)`;
  const ids = new Map<string, number>();
  // Each statement answers with one JSON text rather than a row per term: thousands of result rows per
  // write cost more to decode in JS than the statements themselves take.
  const collect = async (statement: SQL): Promise<void> => {
    const [row] = await rows<{ pairs: string }>(
      tx,
      sql`with touched as (${statement}) select coalesce(json_agg(json_build_array(term, id)), '[]')::text as pairs from touched`,
    );
    for (const [term, id] of JSON.parse(row?.pairs ?? '[]') as [string, number][]) ids.set(term, id);
  };
  await collect(sql`update lex_terms t set df = t.df + x.n from ${recordset(sorted)}
                    where t.term = x.term returning t.id, t.term`);
  const missing = sorted.filter(([term]) => !ids.has(term));
  if (missing.length > 0) {
    await collect(sql`insert into lex_terms (term, df) select x.term, x.n from ${recordset(missing)} order by x.term
                      on conflict (term) do update set df = lex_terms.df + excluded.df
                      returning id, term`);
  }
  return ids;
}

/** Deletes every chunk of a document and keeps BM25's statistics exact. Returns how many were deleted. */
export async function deleteDocumentChunks(tx: Executor, documentId: string): Promise<number> {
  await lockIndexStatistics(tx);
  return removeChunks(tx, [documentId]);
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
 *
 * One statement per table and step: PGlite has one backend, and every ask waits for the statement it
 * runs. The five tables in one `vacuum (analyze)` held it 2.3 s at 7,473 chunks (msmarco-ko, load 15);
 * as separate statements asks run between them, and the longest at load 17 were analyze lex_postings
 * 881 ms, analyze lex_terms 830 ms, vacuum lex_postings 561 ms, vacuum lex_terms 439 ms, analyze chunks
 * 344 ms (the other five under 100 ms). One table's statement cannot be split further without partitions.
 */
export async function vacuumChunkIndex(db: Pick<Db, 'execute'>): Promise<void> {
  for (const table of VACUUMED_TABLES) {
    await db.execute(sql.raw(`vacuum ${table}`));
    await db.execute(sql.raw(`analyze ${table}`));
  }
}

/** The retrieval tables, written by ingestion and read by every ask (the largest first). */
const VACUUMED_TABLES = ['lex_postings', 'lex_terms', 'lex_stats', 'chunks', 'chunk_embeddings'] as const;

/** In how many of these chunks each storable term occurs: what df grows by when they are written. */
export function chunkFrequencies(lexicals: Iterable<LexicalDoc>): Map<string, number> {
  const frequency = new Map<string, number>();
  for (const lexical of lexicals) {
    for (const term of lexical.terms.keys()) {
      if (term.length > 0 && term.length <= MAX_TERM_LENGTH)
        frequency.set(term, (frequency.get(term) ?? 0) + 1);
    }
  }
  return frequency;
}
