/**
 * Figures for the admin's System status page: the server's version, the database and index sizes, and
 * how far a re-embedding has got. Read-only and cheap (catalog functions and counts).
 */
import { sql } from 'drizzle-orm';
import { type Db, rows } from './client.ts';

export interface DatabaseStats {
  readonly serverVersion: string;
  readonly databaseBytes: number;
  /** Chunks, their vectors and the BM25 tables with their indexes: what the search reads. */
  readonly indexBytes: number;
  readonly chunks: number;
  readonly activeEmbeddingModel: { readonly name: string; readonly dimensions: number } | null;
  /** A model being built in the background (EMBEDDING_MODEL changed): chunks embedded so far of all. */
  readonly reembedding: { readonly model: string; readonly embedded: number; readonly total: number } | null;
}

const INDEX_TABLES = ['chunks', 'chunk_embeddings', 'lex_terms', 'lex_stats', 'lex_postings'];

export async function readDatabaseStats(db: Db): Promise<DatabaseStats> {
  const [sizes] = await rows<{ version: string; database: string; index: string; chunks: number }>(
    db,
    sql`select current_setting('server_version') as version,
               pg_database_size(current_database())::text as database,
               (select coalesce(sum(pg_total_relation_size(c.oid)), 0)::text from pg_class c
                 join pg_namespace n on n.oid = c.relnamespace
                 where n.nspname = current_schema() and c.relkind = 'r'
                   and c.relname in (${sql.join(
                     INDEX_TABLES.map((t) => sql`${t}`),
                     sql`, `,
                   )})) as index,
               (select count(*)::int from chunks) as chunks`,
  );
  const models = await rows<{ name: string; dimensions: number; state: string; embedded: number }>(
    db,
    sql`select m.name, m.dimensions, m.state,
               (select count(*)::int from chunk_embeddings e where e.model = m.name) as embedded
          from embedding_models m where m.state in ('active', 'building')
         order by m.activated_at desc nulls last`,
  );
  const active = models.find((m) => m.state === 'active');
  const building = models.find((m) => m.state === 'building');
  const chunks = sizes?.chunks ?? 0;
  return {
    serverVersion: sizes?.version ?? 'unknown',
    databaseBytes: Number(sizes?.database ?? 0),
    indexBytes: Number(sizes?.index ?? 0),
    chunks,
    activeEmbeddingModel: active ? { name: active.name, dimensions: active.dimensions } : null,
    reembedding: building ? { model: building.name, embedded: building.embedded, total: chunks } : null,
  };
}
