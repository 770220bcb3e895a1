/**
 * Loads the same synthetic chunks into several databases in minutes instead of hours (issue 18's 100k
 * retrieval part). The chunks are analysed and embedded once, in this process, by the real analyzer and
 * embedder; chunk ids, term ids and df are assigned here exactly as db/chunk-index.ts would; the rows then
 * go in by COPY (postgres.js `from stdin`, PGlite `from '/dev/blob'`) into tables whose secondary and HNSW
 * indexes are built after the load. Every database ends up holding identical rows (checked, not assumed).
 *
 * Why not the real write path: at 100k chunks it keeps a 5-column posting index and the term vocabulary
 * up to date row by row, 290 s per 5,000 chunks in PGlite at load 15. What is measured here is retrieval,
 * which reads the same tables whichever way they were filled.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type postgres from 'postgres';
import { type Embedder, LEXICAL_ANALYSIS_VERSION } from '#core';
import { createUser, type Db, ensureEmbeddingModel, rows, schema, vacuumChunkIndex } from '#db';
import { analyzeDocument, textForIndexing } from '../../core/retrieval/analyzer.ts';
import { MAX_TERM_LENGTH } from '../../db/chunk-index.ts';
import { type BenchRow, progress, round } from './support.ts';
import type { SyntheticText } from './synthetic.ts';

export const BENCH_USER = 'bench@example.com';

/** One database to fill: its drizzle handle and a COPY of tab-separated rows into a table. */
export interface CopyTarget {
  readonly label: string;
  readonly db: Db;
  copy(table: string, columns: readonly string[], tsv: string): Promise<void>;
  /** One statement on the connection that copies (a `set` must reach the session that builds the indexes). */
  run(statement: string): Promise<void>;
  /** Memory for index builds: PGlite's WASM heap is smaller than a server's. */
  readonly maintenanceWorkMem: string;
}

export function postgresCopyTarget(label: string, db: Db, client: postgres.Sql): CopyTarget {
  return {
    label,
    db,
    maintenanceWorkMem: '1GB',
    async copy(table, columns, tsv) {
      const writable = await client.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
      await pipeline(Readable.from([tsv]), writable);
    },
    async run(statement) {
      await client.unsafe(statement);
    },
  };
}

export function pgliteCopyTarget(label: string, db: Db, pglite: PGlite): CopyTarget {
  return {
    label,
    db,
    maintenanceWorkMem: '256MB',
    async copy(table, columns, tsv) {
      await pglite.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob'`, [], {
        blob: new Blob([tsv]),
      });
    },
    async run(statement) {
      await pglite.exec(statement);
    },
  };
}

/** COPY's text format: backslash escapes for the characters that delimit fields and rows. */
function field(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

const PER_DOCUMENT = 50;
const DOCUMENTS_PER_BATCH = 40;
const WORDS_PER_CHUNK = 160;
/** Tables whose secondary indexes are dropped for the load and built after it. */
const LOADED_TABLES = ['chunks', 'lex_postings', 'chunk_embeddings'] as const;

/**
 * `target` synthetic chunks into every target, 50 per document, a tenth of the documents in a collection only
 * the bench user's group reads (as a channel bound to a small collection searches). The draws from `text`
 * are those of the old bulk load (title, then bodies), so the corpus is the same for a given seed.
 */
export async function copyLoadSynthetic(
  targets: readonly CopyTarget[],
  embedder: Embedder,
  target: number,
  text: SyntheticText,
): Promise<BenchRow[]> {
  const model = embedder.model;
  const openId = randomUUID();
  const narrowId = randomUUID();
  const dropped = new Map<CopyTarget, { name: string; definition: string }[]>();
  for (const t of targets) {
    await t.db.insert(schema.collections).values([
      { id: openId, name: 'synthetic', everyone: true },
      { id: narrowId, name: 'finance', everyone: false },
    ]);
    const user = await createUser(t.db, { email: BENCH_USER, role: 'member' });
    const [group] = await t.db.insert(schema.groups).values({ name: 'finance' }).returning();
    await t.db.insert(schema.memberships).values({ userId: user.id, groupId: group!.id });
    await t.db.insert(schema.collectionReaders).values({ collectionId: narrowId, groupId: group!.id });
    await ensureEmbeddingModel(t.db, { model, dimensions: embedder.dimensions });
    dropped.set(t, await dropSecondaryIndexes(t.db));
  }

  progress(
    `analysing, embedding and copying ${target} synthetic chunks into ${targets.map((t) => t.label).join(' and ')}`,
  );
  const started = performance.now();
  const termIds = new Map<string, number>();
  const df: number[] = [0];
  let chunkId = 0;
  let totalLength = 0;
  let postings = 0;
  let documentNumber = 0;
  let prepareMs = 0;
  const copyMs = new Map<CopyTarget, number>(targets.map((t) => [t, 0]));
  let pending: Promise<unknown> = Promise.resolve();
  while (chunkId < target) {
    const t0 = performance.now();
    const documentRows: (typeof schema.documents.$inferInsert)[] = [];
    const chunkLines: string[] = [];
    const postingLines: string[] = [];
    const embeddingLines: string[] = [];
    for (let d = 0; d < DOCUMENTS_PER_BATCH && chunkId < target; d++, documentNumber++) {
      const n = Math.min(PER_DOCUMENT, target - chunkId);
      const collectionId = documentNumber % 10 === 0 ? narrowId : openId;
      const title = text.sentence(4);
      const bodies = Array.from({ length: n }, () => text.paragraph(WORDS_PER_CHUNK));
      const indexTexts = bodies.map((body) => textForIndexing({ title, headingPath: [], text: body }));
      const vectors = await embedder.embedDocuments(indexTexts);
      const documentId = randomUUID();
      documentRows.push({
        id: documentId,
        collectionId,
        sourceKey: `synthetic-${documentNumber}`,
        title,
        filename: `synthetic-${documentNumber}.txt`,
        mimeType: 'text/plain',
        sizeBytes: 0,
        sha256: String(documentNumber),
        status: 'ready',
        indexedVersion: 1,
        chunkCount: n,
      });
      for (let i = 0; i < n; i++) {
        chunkId += 1;
        const lexical = analyzeDocument(indexTexts[i]!);
        totalLength += lexical.length;
        chunkLines.push(
          [
            chunkId,
            documentId,
            collectionId,
            1,
            i,
            '{}',
            field(bodies[i]!),
            Math.round(WORDS_PER_CHUNK * 1.3),
            lexical.length,
            LEXICAL_ANALYSIS_VERSION,
          ].join('\t'),
        );
        // As writeChunksOfDocuments: over-long terms get no vocabulary row and no posting.
        for (const [term, tf] of lexical.terms) {
          if (term.length === 0 || term.length > MAX_TERM_LENGTH || !(tf > 0)) continue;
          let id = termIds.get(term);
          if (id === undefined) {
            id = termIds.size + 1;
            termIds.set(term, id);
            df.push(0);
          }
          df[id]! += 1;
          postingLines.push(`${id}\t${chunkId}\t${collectionId}\t${tf}\t${lexical.length}`);
        }
        embeddingLines.push(`${chunkId}\t${model}\t${collectionId}\t[${vectors[i]!.join(',')}]`);
      }
    }
    postings += postingLines.length;
    const chunksTsv = `${chunkLines.join('\n')}\n`;
    const postingsTsv = `${postingLines.join('\n')}\n`;
    const embeddingsTsv = `${embeddingLines.join('\n')}\n`;
    prepareMs += performance.now() - t0;
    // This batch's copies run while the next batch is prepared: the server works in its own process.
    await pending;
    pending = Promise.all(
      targets.map(async (t) => {
        const t1 = performance.now();
        await t.db.insert(schema.documents).values(documentRows);
        await t.copy('chunks', CHUNK_COLUMNS, chunksTsv);
        await t.copy(
          'lex_postings',
          ['term_id', 'chunk_id', 'collection_id', 'tf', 'chunk_length'],
          postingsTsv,
        );
        await t.copy('chunk_embeddings', ['chunk_id', 'model', 'collection_id', 'embedding'], embeddingsTsv);
        copyMs.set(t, copyMs.get(t)! + performance.now() - t1);
      }),
    );
    // Seen by the `await` above on the next round; until then a failure must not count as unhandled.
    pending.catch(() => {});
    if (documentNumber % 400 === 0) {
      progress(
        `  ${chunkId} chunks, ${postings} postings (${round((performance.now() - started) / 1000)} s)`,
      );
    }
  }

  await pending;

  const termLines: string[] = [];
  for (const [term, id] of termIds) termLines.push(`${id}\t${field(term)}\t${df[id]}`);
  const termsTsv = `${termLines.join('\n')}\n`;
  const rowsOut: BenchRow[] = [
    {
      name: `prepare ${target} synthetic chunks once (analyse, embed, ids, df)`,
      value: round(prepareMs / 1000),
      unit: 's',
      note: `${postings} postings (${round(postings / target)} per chunk), ${termIds.size} terms`,
    },
  ];
  // Each database builds its indexes at the same time (the server in its own process).
  const finished = await Promise.all(
    targets.map(async (t) => {
      const t1 = performance.now();
      await t.copy('lex_terms', ['id', 'term', 'df'], termsTsv);
      await t.db.execute(sql`
      insert into lex_stats (id, chunk_count, total_length) values (1, ${chunkId}, ${totalLength})
      on conflict (id) do update set chunk_count = excluded.chunk_count, total_length = excluded.total_length`);
      await t.db.execute(sql`select setval(pg_get_serial_sequence('chunks', 'id'), ${chunkId})`);
      await t.db.execute(sql`select setval(pg_get_serial_sequence('lex_terms', 'id'), ${termIds.size})`);
      const copySeconds = (copyMs.get(t)! + performance.now() - t1) / 1000;
      const indexStart = performance.now();
      const timings = await rebuildIndexes(t, dropped.get(t)!);
      const indexSeconds = (performance.now() - indexStart) / 1000;
      const vacuumStart = performance.now();
      await vacuumChunkIndex(t.db);
      const vacuumSeconds = (performance.now() - vacuumStart) / 1000;
      const [size] = await rows<{ bytes: number }>(
        t.db,
        sql`select pg_database_size(current_database())::float8 as bytes`,
      );
      const print = await fingerprint(t.db);
      return {
        print,
        row: {
          name: `copy-load ${target} chunks into ${t.label}`,
          value: round(copySeconds + indexSeconds + vacuumSeconds),
          unit: 's',
          note: `COPY ${round(copySeconds)} s, indexes ${round(indexSeconds)} s (${timings}), vacuum+analyze ${round(vacuumSeconds)} s; database ${round((size?.bytes ?? 0) / 2 ** 30, 2)} GB`,
        } satisfies BenchRow,
      };
    }),
  );
  rowsOut.push(...finished.map((f) => f.row));
  const fingerprints = finished.map((f) => f.print);
  if (new Set(fingerprints).size !== 1) {
    throw new Error(`the databases do not hold the same rows: ${fingerprints.join(' vs ')}`);
  }
  progress(`identical rows in every database: ${fingerprints[0]}`);
  return rowsOut;
}

const CHUNK_COLUMNS = [
  'id',
  'document_id',
  'collection_id',
  'document_version',
  'position',
  'heading_path',
  'text',
  'token_count',
  'lexical_length',
  'lexical_version',
] as const;

/** Drops the indexes of the loaded tables that back no constraint (primary keys stay); returns their definitions. */
async function dropSecondaryIndexes(db: Db): Promise<{ name: string; definition: string }[]> {
  const found = await rows<{ name: string; definition: string }>(
    db,
    sql`select i.indexname as name, i.indexdef as definition from pg_indexes i
        where i.schemaname = current_schema()
          and i.tablename = any(${`{${LOADED_TABLES.join(',')}}`}::text[])
          and not exists (select 1 from pg_constraint c where c.conname = i.indexname)
        order by i.indexname`,
  );
  for (const { name } of found) await db.execute(sql.raw(`drop index ${name}`));
  return found;
}

async function rebuildIndexes(t: CopyTarget, indexes: readonly { name: string; definition: string }[]) {
  await t.run(`set maintenance_work_mem = '${t.maintenanceWorkMem}'`);
  const timings: string[] = [];
  for (const { name, definition } of indexes) {
    const t0 = performance.now();
    await t.run(definition);
    timings.push(
      `${name.replace(/^chunk_embeddings_bq_.*/, 'hnsw')} ${round((performance.now() - t0) / 1000)} s`,
    );
  }
  return timings.join(', ');
}

/** Counts and sums over every loaded table: equal fingerprints, equal rows (for this purpose). */
async function fingerprint(db: Db): Promise<string> {
  const [row] = await rows<Record<string, string>>(
    db,
    sql`select
      (select count(*) || '/' || sum(id) || '/' || sum(length(text)) || '/' || sum(lexical_length) from chunks) as chunks,
      (select count(*) || '/' || sum(term_id::bigint * (chunk_id % 1000)) || '/' || sum(tf)::bigint from lex_postings) as postings,
      (select count(*) || '/' || sum(df) || '/' || sum(length(term)) from lex_terms) as terms,
      (select count(*) || '/' || round(sum((embedding::real[])[1])::numeric, 3) from chunk_embeddings) as embeddings,
      (select chunk_count || '/' || total_length from lex_stats where id = 1) as stats`,
  );
  return Object.values(row ?? {}).join(' ');
}
