/**
 * The embedding model registry and what re-embedding needs from it. Vectors are stored per model: a new
 * model is registered as `building`, filled in the background chunk by chunk, and only then made `active`
 * (the previous one becomes `retired`, its vectors kept). Answers always embed the question with the
 * active model, so they keep working on the old vectors while the new ones are written.
 */
import { sql } from 'drizzle-orm';
import { type Db, rows } from './client.ts';

export type EmbeddingModelState = 'building' | 'active' | 'retired';

export interface EmbeddingModelRow {
  readonly name: string;
  readonly dimensions: number;
  readonly state: EmbeddingModelState;
}

export interface ChunkToEmbed {
  readonly chunkId: number;
  readonly title: string;
  readonly headingPath: readonly string[];
  readonly text: string;
}

/** Same lock as ensureEmbeddingModel: registering and activating models never interleave. */
const MODEL_REGISTRY_LOCK = 724119002;

export async function getEmbeddingModel(db: Db, name: string): Promise<EmbeddingModelRow | null> {
  const [row] = await rows<EmbeddingModelRow>(
    db,
    sql`select name, dimensions, state from embedding_models where name = ${name}`,
  );
  return row ?? null;
}

export async function getActiveEmbeddingModel(db: Db): Promise<EmbeddingModelRow | null> {
  const [row] = await rows<EmbeddingModelRow>(
    db,
    sql`select name, dimensions, state from embedding_models where state = 'active'
        order by activated_at desc nulls last limit 1`,
  );
  return row ?? null;
}

/** Puts a retired model back to `building` so that a re-embed fills what it misses. */
export async function markEmbeddingModelBuilding(db: Db, name: string): Promise<void> {
  await db.execute(
    sql`update embedding_models set state = 'building' where name = ${name} and state = 'retired'`,
  );
}

/** The next chunks (by id, after `afterChunkId`) that have no vector of `model` yet. */
export async function listChunksWithoutEmbedding(
  db: Db,
  model: string,
  afterChunkId: number,
  limit: number,
): Promise<ChunkToEmbed[]> {
  const found = await rows<{ id: string | number; title: string; heading_path: string[]; text: string }>(
    db,
    sql`select c.id, d.title, c.heading_path, c.text
        from chunks c join documents d on d.id = c.document_id
        where c.id > ${afterChunkId}
          and not exists (select 1 from chunk_embeddings e where e.chunk_id = c.id and e.model = ${model})
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

export async function countChunksWithoutEmbedding(db: Db, model: string): Promise<number> {
  const [row] = await rows<{ n: number }>(
    db,
    sql`select count(*)::int as n from chunks c
        where not exists (select 1 from chunk_embeddings e where e.chunk_id = c.id and e.model = ${model})`,
  );
  return Number(row?.n ?? 0);
}

/**
 * Stores vectors of `model`. Chunks deleted or re-indexed meanwhile are skipped (their replacements get
 * vectors from their own ingestion or the next batch), and a vector already there is kept.
 */
export async function writeChunkEmbeddings(
  db: Db,
  model: string,
  vectors: readonly { readonly chunkId: number; readonly embedding: readonly number[] }[],
): Promise<number> {
  if (vectors.length === 0) return 0;
  const ids = `{${vectors.map((v) => v.chunkId).join(',')}}`;
  const literals = `{${vectors.map((v) => `"[${v.embedding.join(',')}]"`).join(',')}}`;
  const written = await rows<{ chunk_id: string }>(
    db,
    sql`insert into chunk_embeddings (chunk_id, model, collection_id, embedding)
        select c.id, ${model}, c.collection_id, e.embedding
        from unnest(${ids}::bigint[], ${literals}::vector[]) as e(chunk_id, embedding)
        join chunks c on c.id = e.chunk_id
        on conflict (chunk_id, model) do nothing
        returning chunk_id`,
  );
  return written.length;
}

/**
 * Makes `model` the active one when every chunk has its vector, retiring the previous active model, in one
 * transaction. Returns false (and changes nothing) while chunks are still missing their vector.
 */
export async function activateEmbeddingModel(db: Db, model: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(`select pg_advisory_xact_lock(${MODEL_REGISTRY_LOCK})`));
    const [missing] = await rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from chunks c
          where not exists (select 1 from chunk_embeddings e where e.chunk_id = c.id and e.model = ${model})`,
    );
    if (Number(missing?.n ?? 0) > 0) return false;
    const [row] = await rows<{ state: string }>(
      tx,
      sql`select state from embedding_models where name = ${model} for update`,
    );
    if (!row) return false;
    if (row.state === 'active') return true;
    await tx.execute(
      sql`update embedding_models set state = 'retired' where state = 'active' and name <> ${model}`,
    );
    await tx.execute(
      sql`update embedding_models set state = 'active', activated_at = now() where name = ${model}`,
    );
    return true;
  });
}
