/**
 * The read side of retrieval: BM25 over lex_postings, cosine search over chunk_embeddings (the model's
 * HNSW index, or an exact scan when few chunks are readable), and loading chunks. Every statement carries
 * the access policy: a chunk is readable only when its collection is open to everyone or to a group the
 * user is a member of, intersected with `scope.collectionIds` when given, and, where a connector synced the
 * document's own readers, only when the user is among them. Nothing is filtered afterwards.
 */
import { type SQL, sql } from 'drizzle-orm';
import type {
  ChunkSearch,
  LexicalQueryTerm,
  RetrievalScope,
  RetrievedChunk,
  ScoredChunkId,
  VectorSearchOptions,
} from '#core';
import { quantizedEmbedding, quoteLiteral } from './chunk-index.ts';
import { type Db, type Executor, rows } from './client.ts';

export interface ChunkSearchOptions {
  /** BM25 term-frequency saturation. */
  readonly k1?: number;
  /** BM25 length normalisation. */
  readonly b?: number;
  /**
   * Two-phase BM25 for large indexes: candidates come from the query's selective terms (df at most
   * this share of all chunks, and always the rarest term); the common terms are then added for those
   * candidates only, by index probes, so their long posting lists are never read. Scores stay exact
   * BM25; only a chunk matching nothing but common terms can be missed.
   */
  readonly selectiveTermRatio?: number;
  /** Below this many chunks every posting list is read (exact top-k). */
  readonly twoPhaseMinChunks?: number;
  /** Candidates kept after the first phase: max(this, 3 × limit). */
  readonly candidates?: number;
  /** HNSW candidate list size (pgvector's default is 40); at least the requested limit is used. */
  readonly efSearch?: number;
  /**
   * Nearest chunks by sign bits (Hamming, from the HNSW graph) re-ranked by exact cosine; at least 2 × the
   * limit, at most 1,000 (pgvector's ef_search limit). 0: by index size, `shortlistBudget` / indexed
   * chunks. Figures in db/chunk-index.ts.
   */
  readonly shortlist?: number;
  /**
   * Re-ranking reads each shortlisted vector, mostly from disk once an index outgrows the cache, so the
   * shortlist shrinks as the index grows: 1,000 up to 10k chunks (SciFact train nDCG@10 0.7175 against
   * 0.7107 with 400 and 0.7031 with 200), 100 at 100k (100k synthetic chunks: vector p95 9 ms against
   * 29 ms with 1,000; 26 ms against 62 ms for a channel bound to a tenth of them).
   */
  readonly shortlistBudget?: number;
  /**
   * Vector search compares every readable chunk exactly when there are at most this many (PGlite: ~7 µs
   * per 768-d vector, half that at 384, so 2,000 cost under 15 ms; beyond that the graph walk is cheaper,
   * even filtered).
   */
  readonly exactVectorMaxChunks?: number;
}

/** Defaults tuned on SciFact's train queries (see core/retrieval/hybrid-retriever.ts for the figures). */
export const DEFAULT_CHUNK_SEARCH_OPTIONS: Required<ChunkSearchOptions> = {
  k1: 1.2,
  b: 0.6,
  selectiveTermRatio: 0.05,
  twoPhaseMinChunks: 2000,
  candidates: 300,
  efSearch: 128,
  shortlist: 0,
  shortlistBudget: 10_000_000,
  exactVectorMaxChunks: 2000,
};

/** A number written into the statement as a float8 literal (parameters would be typed from context, e.g. real). */
function float(value: number): SQL {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return sql.raw(`${value}::float8`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Collections the scope may read, as a subquery; null when the scope cannot be satisfied at all. */
function readableCollections(scope: RetrievalScope): SQL | null {
  if (!UUID.test(scope.userId)) return null;
  let narrowing = sql``;
  if (scope.collectionIds) {
    const ids = scope.collectionIds.filter((id) => UUID.test(id));
    if (ids.length === 0) return null;
    narrowing = sql` and c.id = any(${`{${ids.join(',')}}`}::uuid[])`;
  }
  return sql`select c.id from collections c
    where (c.everyone or exists (
      select 1 from collection_readers r join memberships m on m.group_id = r.group_id
      where r.collection_id = c.id and m.user_id = ${scope.userId}::uuid))${narrowing}`;
}

/**
 * Documents in the readable collections that the user may still not read: their source sent readers
 * (`restricted`) and the user is none of them, neither by e-mail nor through a group whose `externalId`
 * the source named. Refers to the `readable` CTE; the chunks of these documents are excluded in SQL.
 */
function hiddenDocuments(scope: RetrievalScope): SQL {
  return sql`select d.id from documents d
    where d.restricted and d.collection_id in (select id from readable)
      and not exists (
        select 1 from document_readers dr
        where dr.document_id = d.id and (
          (dr.kind = 'email' and dr.value = (select lower(u.email) from users u where u.id = ${scope.userId}::uuid))
          or (dr.kind = 'group' and dr.value in (
            select g.external_id from groups g join memberships m on m.group_id = g.id
            where m.user_id = ${scope.userId}::uuid and g.external_id is not null))))`;
}

/** Embedding model names become SQL literals (to match the partial index): keep them plain. */
const MODEL_NAME = /^[\w.:/@+-]{1,200}$/u;

export function createChunkSearch(db: Db, options: ChunkSearchOptions = {}): ChunkSearch {
  const settings = { ...DEFAULT_CHUNK_SEARCH_OPTIONS, ...options };
  const dimensionsByModel = new Map<string, number>();

  async function dimensionsOf(model: string): Promise<number | null> {
    const known = dimensionsByModel.get(model);
    if (known !== undefined) return known;
    const [row] = await rows<{ dimensions: number }>(
      db,
      sql`select dimensions from embedding_models where name = ${model}`,
    );
    if (!row) return null;
    dimensionsByModel.set(model, row.dimensions);
    return row.dimensions;
  }

  /**
   * The hidden-documents subquery, or null while no document anywhere carries source readers: then the
   * statements are exactly those of a deployment without connectors (one probe of a partial index decides).
   */
  async function hiddenFor(scope: RetrievalScope): Promise<SQL | null> {
    const [row] = await rows<{ any: boolean }>(
      db,
      // Written as an ordered limit so the partial index answers it: without table statistics (PGlite never
      // gathers them) `exists (... where restricted)` became a scan of every document, 7–18 ms per search
      // at 7k documents, three times per question.
      sql`select (select d.collection_id from documents d where d.restricted
                  order by d.collection_id limit 1) is not null as any`,
    );
    return row?.any ? hiddenDocuments(scope) : null;
  }

  return {
    async lexical(
      terms: readonly LexicalQueryTerm[],
      scope: RetrievalScope,
      limit: number,
    ): Promise<ScoredChunkId[]> {
      const readable = readableCollections(scope);
      const hidden = readable ? await hiddenFor(scope) : null;
      const weights = new Map<string, number>();
      for (const { term, weight } of terms) {
        if (weight > 0 && Number.isFinite(weight)) weights.set(term, (weights.get(term) ?? 0) + weight);
      }
      if (!readable || weights.size === 0 || limit <= 0) return [];
      const { k1, b } = settings;
      const query = JSON.stringify([...weights].map(([term, w]) => ({ term, w })));
      const candidates = Math.max(settings.candidates, 3 * Math.floor(limit));
      // BM25 saturation of one posting; idf is Lucene's ln(1 + (N - df + 0.5) / (df + 0.5)), N and df over
      // all chunks (collection statistics are global, like a search engine's, whatever the scope).
      const impact = (alias: string) =>
        sql`${sql.raw(alias)}.tf * ${float(k1 + 1)} / (${sql.raw(alias)}.tf + ${float(k1)} * (${float(1 - b)} + ${float(b)} * ${sql.raw(alias)}.chunk_length / s.avgdl))`;
      const found = await rows<{ chunk_id: string; score: number }>(
        db,
        sql`with stats as materialized (
              select greatest(chunk_count, 1)::float8 as n,
                     greatest(total_length::float8 / greatest(chunk_count, 1), 1) as avgdl
              from lex_stats where id = 1
            ), q as materialized (
              select t.id, x.w * ln(1 + (s.n - t.df + 0.5) / (t.df + 0.5)) as wi, t.df,
                     row_number() over (order by t.df, t.id) as rarity
              from jsonb_to_recordset(${query}::jsonb) as x(term text, w float8)
              join lex_terms t on t.term = x.term
              cross join stats s
              where t.df > 0
            ), selective as materialized (
              select q.id, q.wi from q cross join stats s
              where q.rarity = 1 or s.n < ${float(settings.twoPhaseMinChunks)}
                 or q.df <= ${float(settings.selectiveTermRatio)} * s.n
            ), common as materialized (
              select q.id, q.wi from q where q.id not in (select id from selective)
            ), readable as materialized (${readable}),
            ${hidden ? sql`hidden_chunks as materialized (select c.id from chunks c where c.document_id in (${hidden})),` : sql``}
            candidates as materialized (
              -- LATERAL + offset 0 keeps the plan term-driven (an index scan per query term) even without
              -- table statistics, which PGlite never gathers on its own.
              select p.chunk_id, sum(selective.wi * ${impact('p')}) as partial
              from selective
              cross join stats s
              cross join lateral (
                select lp.chunk_id, lp.tf, lp.chunk_length, lp.collection_id
                from lex_postings lp where lp.term_id = selective.id
                offset 0
              ) p
              where p.collection_id in (select id from readable)
                ${hidden ? sql`and p.chunk_id not in (select id from hidden_chunks)` : sql``}
              group by p.chunk_id
              order by partial desc, p.chunk_id
              limit ${sql.raw(String(candidates))}
            ), candidate_ids as materialized (
              select coalesce(array_agg(chunk_id order by chunk_id), '{}') as ids from candidates
            ), rest as (
              -- One index scan per common term, probing the (term_id, chunk_id) key for the candidates only.
              select p.chunk_id, sum(common.wi * ${impact('p')}) as extra
              from common
              cross join stats s
              cross join candidate_ids
              cross join lateral (
                select lp.chunk_id, lp.tf, lp.chunk_length
                from lex_postings lp
                where lp.term_id = common.id and lp.chunk_id = any(candidate_ids.ids)
                offset 0
              ) p
              group by p.chunk_id
            )
            select c.chunk_id::text as chunk_id, (c.partial + coalesce(r.extra, 0))::float8 as score
            from candidates c left join rest r on r.chunk_id = c.chunk_id
            order by score desc, c.chunk_id
            limit ${sql.raw(String(Math.floor(limit)))}`,
      );
      return found.map((row) => ({ chunkId: String(row.chunk_id), score: Number(row.score) }));
    },

    async vector(
      embedding: readonly number[],
      model: string,
      scope: RetrievalScope,
      limit: number,
      options: VectorSearchOptions = {},
    ): Promise<ScoredChunkId[]> {
      const readable = readableCollections(scope);
      if (!readable || limit <= 0 || !MODEL_NAME.test(model)) return [];
      const dimensions = await dimensionsOf(model);
      if (dimensions === null || embedding.length !== dimensions) return [];
      if (!embedding.some((value) => value !== 0)) return [];
      const hidden = await hiddenFor(scope);
      // The graph is walked on the vectors' sign bits; the shortlist is then ranked by exact cosine.
      // How many chunks the graph walk shortlists, decided in SQL from the index size (see shortlistBudget).
      const shortlist = options.shortlist ?? settings.shortlist;
      const shortlistSql =
        shortlist > 0
          ? sql.raw(String(Math.floor(shortlist)))
          : sql`floor(${float(settings.shortlistBudget)} / greatest(coalesce((select chunk_count from lex_stats where id = 1), 0), 1))`;
      const column = sql.raw(`e.embedding::vector(${dimensions})`);
      const target = sql`${`[${embedding.join(',')}]`}::vector(${sql.raw(String(dimensions))})`;
      const modelLiteral = sql.raw(quoteLiteral(model));
      const quantized = sql.raw(quantizedEmbedding('e.embedding', dimensions));
      const quantizedTarget = sql`binary_quantize(${target})::bit(${sql.raw(String(dimensions))})`;
      const top = sql.raw(String(Math.floor(limit)));
      const toHits = (found: { chunk_id: string; distance: number }[]) =>
        found.map((row) => ({ chunkId: String(row.chunk_id), score: 1 - Number(row.distance) }));
      const exactMax = Math.floor(settings.exactVectorMaxChunks);
      const exactSearch = (tx: Executor) =>
        rows<{ chunk_id: string; distance: number }>(
          tx,
          // Every readable chunk's exact cosine distance; the HNSW index (on sign bits) plays no part.
          // Driven per readable collection through chunks_collection_idx, then per chunk through the
          // embeddings' key (LATERAL + offset 0, as in BM25): joined as sets, PGlite merge-joined both tables
          // in id order and read every chunk of every collection (20k chunks: 125 ms for 2,000 readable).
          sql`with readable as materialized (${readable})
              ${hidden ? sql`, hidden as materialized (${hidden})` : sql``}
              select c.id::text as chunk_id, cosine_distance(${column}, ${target})::float8 as distance
              from readable r
              cross join lateral (
                select c.id, c.document_id from chunks c where c.collection_id = r.id offset 0
              ) c
              cross join lateral (
                select e.embedding from chunk_embeddings e
                where e.chunk_id = c.id and e.model = ${modelLiteral} offset 0
              ) e
              ${hidden ? sql`where c.document_id not in (select id from hidden)` : sql``}
              order by distance, c.id
              limit ${top}`,
        );
      return db.transaction(async (tx) => {
        // Seq scans are ruled out because PGlite keeps no table statistics and would sort every vector;
        // the same statement counts the readable chunks, up to the point where exact search stops paying.
        // No parallel workers: on PostgreSQL the exact search of a 2,000-chunk collection launched two, and
        // its 13 ms of sorting took 60 ms (EXPLAIN ANALYZE, 20k chunks, load 12); a search is too short to share.
        const [plan] = await rows<{ readable: number; shortlist: number }>(
          tx,
          sql`with readable as materialized (${readable}),
              ${hidden ? sql`hidden as materialized (${hidden}),` : sql``}
              size as (
                select least(1000, greatest(${sql.raw(String(Math.floor(limit) * 2))}, ${shortlistSql}))::int as shortlist
              )
              select set_config('hnsw.iterative_scan', 'relaxed_order', true),
                     set_config('enable_seqscan', 'off', true),
                     set_config('max_parallel_workers_per_gather', '0', true),
                     set_config('hnsw.ef_search', least(1000, greatest(${sql.raw(String(Math.floor(settings.efSearch)))}, size.shortlist))::text, true),
                     (select count(*)::int from (
                        select 1 from chunks c where c.collection_id = any(array(select id from readable))
                          ${hidden ? sql`and c.document_id not in (select id from hidden)` : sql``}
                        limit ${sql.raw(String(exactMax + 1))}) few) as readable,
                     size.shortlist
              from size`,
        );
        const readableChunks = Number(plan?.readable ?? 0);
        if (readableChunks === 0) return [];
        const shortlist = Number(plan?.shortlist ?? Math.floor(limit) * 2);
        // Few readable chunks (a small deployment, or a channel bound to a small collection): comparing
        // them all is exact and cheaper than walking a graph in which they are a sparse minority.
        if (readableChunks <= exactMax) return toHits(await exactSearch(tx));
        // The model literal selects that model's partial HNSW index; iterative scans keep walking the
        // graph until `limit` readable rows are found.
        const approximate = await rows<{ chunk_id: string; distance: number }>(
          tx,
          sql`with readable as materialized (${readable}),
              ${hidden ? sql`hidden_chunks as materialized (select c.id from chunks c where c.document_id in (${hidden})),` : sql``}
              nearest as materialized (
                select e.chunk_id, e.embedding
                from chunk_embeddings e
                -- = any(array(...)) is a plain filter on the index scan, so the limit stops the graph walk;
                -- "in (select ...)" would become a join that drains the whole index first.
                where e.model = ${modelLiteral} and e.collection_id = any(array(select id from readable))
                  ${hidden ? sql`and e.chunk_id not in (select id from hidden_chunks)` : sql``}
                order by ${quantized} <~> ${quantizedTarget}
                limit ${sql.raw(String(shortlist))}
              )
              select chunk_id::text as chunk_id, cosine_distance(${sql.raw(`embedding::vector(${dimensions})`)}, ${target})::float8 as distance
              from nearest order by distance, chunk_id
              limit ${top}`,
        );
        // The walk can give up early (pgvector's scan budget) when readable chunks are rare in the graph.
        return toHits(approximate.length >= limit ? approximate : await exactSearch(tx));
      });
    },

    async load(chunkIds: readonly string[], scope: RetrievalScope) {
      const readable = readableCollections(scope);
      const ids = chunkIds.filter((id) => /^\d{1,18}$/.test(id));
      if (!readable || ids.length === 0) return [];
      const hidden = await hiddenFor(scope);
      const found = await rows<{
        id: string;
        document_id: string;
        document_version: number;
        collection_id: string;
        title: string;
        source_url: string | null;
        heading_path: string[];
        page: number | null;
        position: number;
        text: string;
        token_count: number;
      }>(
        db,
        sql`with readable as materialized (${readable})
            ${hidden ? sql`, hidden as materialized (${hidden})` : sql``}
            select c.id::text as id, c.document_id, c.document_version, c.collection_id, d.title, d.source_url,
                   c.heading_path, c.page, c.position, c.text, c.token_count
            from chunks c join documents d on d.id = c.document_id
            where c.id = any(${`{${ids.join(',')}}`}::bigint[])
              and c.collection_id in (select id from readable)
              ${hidden ? sql`and c.document_id not in (select id from hidden)` : sql``}`,
      );
      const byId = new Map(found.map((row) => [String(row.id), row]));
      const loaded: Omit<RetrievedChunk, 'score' | 'lexicalRank' | 'vectorRank'>[] = [];
      for (const id of chunkIds) {
        const row = byId.get(id);
        if (!row) continue;
        byId.delete(id);
        loaded.push({
          chunkId: id,
          documentId: row.document_id,
          documentVersion: Number(row.document_version),
          collectionId: row.collection_id,
          title: row.title,
          sourceUrl: row.source_url,
          headingPath: row.heading_path ?? [],
          page: row.page === null ? null : Number(row.page),
          position: Number(row.position),
          text: row.text,
          tokenCount: Number(row.token_count),
        });
      }
      return loaded;
    },
  };
}
