import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexedChunk } from '#core';
import { createLocalEmbedder } from '../core/embedding/local-embedder.ts';
import { analyzeDocument } from '../core/retrieval/analyzer.ts';
import { DATABASE_KINDS, openTestDatabase } from '../tests/support/databases.ts';
import {
  deleteDocumentChunks,
  embeddingIndexName,
  ensureEmbeddingModel,
  moveDocumentChunks,
  vacuumChunkIndex,
  writeChunksOfDocuments,
  writeDocumentChunks,
} from './chunk-index.ts';
import { type Database, rows } from './client.ts';
import { collections, documents } from './schema.ts';

const embedder = createLocalEmbedder({ dimensions: 32 });
describe.each(DATABASE_KINDS)('on %s', (kind) => {
  let database: Database;
  let collectionId: string;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await ensureEmbeddingModel(database.db, { model: embedder.model, dimensions: embedder.dimensions });
    collectionId = await buildCollection();
  });
  afterAll(async () => {
    await database?.close();
  });

  async function buildCollection(): Promise<string> {
    const [row] = await database.db
      .insert(collections)
      .values({ name: `c-${randomUUID()}`, everyone: true })
      .returning();
    return row!.id;
  }

  async function buildDocument(collection = collectionId): Promise<string> {
    const [row] = await database.db
      .insert(documents)
      .values({
        collectionId: collection,
        sourceKey: randomUUID(),
        title: 'doc',
        filename: 'doc.txt',
        mimeType: 'text/plain',
        sizeBytes: 1,
        sha256: 'x',
      })
      .returning();
    return row!.id;
  }

  async function buildChunks(texts: readonly string[]): Promise<IndexedChunk[]> {
    const vectors = await embedder.embedDocuments(texts);
    return texts.map((text, position) => ({
      position,
      headingPath: ['Section'],
      text,
      tokenCount: text.length,
      lexical: analyzeDocument(text),
      embedding: vectors[position]!,
    }));
  }

  function write(documentId: string, chunks: readonly IndexedChunk[], collection = collectionId) {
    return database.db.transaction((tx) =>
      writeDocumentChunks(tx, {
        documentId,
        collectionId: collection,
        version: 1,
        embeddingModel: embedder.model,
        chunks,
      }),
    );
  }

  /** Statistics as stored, next to the same figures recomputed from the chunks and postings themselves. */
  async function consistency() {
    const db = database.db;
    const [stored] = await rows<{ n: number; total: number }>(
      db,
      sql`select chunk_count::int as n, total_length::int as total from lex_stats`,
    );
    const [actual] = await rows<{ n: number; total: number }>(
      db,
      sql`select count(*)::int as n, coalesce(sum(lexical_length), 0)::int as total from chunks`,
    );
    const wrongDf = await rows<{ term: string }>(
      db,
      sql`select t.term from lex_terms t
          left join (select term_id, count(*)::int as n from lex_postings group by term_id) p on p.term_id = t.id
          where t.df <> coalesce(p.n, 0)`,
    );
    const [orphans] = await rows<{ postings: number; embeddings: number; lengths: number }>(
      db,
      sql`select
            (select count(*)::int from lex_postings p where not exists (select 1 from chunks c where c.id = p.chunk_id)) as postings,
            (select count(*)::int from chunk_embeddings e where not exists (select 1 from chunks c where c.id = e.chunk_id)) as embeddings,
            (select count(*)::int from lex_postings p join chunks c on c.id = p.chunk_id
              where p.chunk_length <> c.lexical_length or p.collection_id <> c.collection_id) as lengths`,
    );
    return { stored, actual, wrongDf: wrongDf.map((row) => row.term), orphans };
  }

  async function expectConsistent() {
    const state = await consistency();
    expect(state.stored ?? { n: 0, total: 0 }).toEqual(state.actual);
    expect(state.wrongDf).toEqual([]);
    expect(state.orphans).toEqual({ postings: 0, embeddings: 0, lengths: 0 });
    return state;
  }

  describe('chunk index', () => {
    it('registers a model once and creates its partial HNSW index', async () => {
      await ensureEmbeddingModel(database.db, { model: embedder.model, dimensions: embedder.dimensions });
      const models = await rows<{ name: string; dimensions: number; state: string }>(
        database.db,
        sql`select name, dimensions, state from embedding_models`,
      );
      expect(models).toEqual([{ name: embedder.model, dimensions: 32, state: 'active' }]);
      const [index] = await rows<{ indexdef: string }>(
        database.db,
        sql`select indexdef from pg_indexes where indexname = ${embeddingIndexName(embedder.model)}`,
      );
      expect(index?.indexdef).toMatch(
        /USING hnsw \(\(\(binary_quantize\(\(embedding\)::vector\(32\)\)\)::bit\(32\)\) bit_hamming_ops\)/,
      );
      expect(index?.indexdef).toContain(`WHERE (model = '${embedder.model}'::text)`);
      await expect(
        ensureEmbeddingModel(database.db, { model: embedder.model, dimensions: 64 }),
      ).rejects.toThrow(/32 dimensions/);
    });

    it('writes chunks, postings and embeddings and returns the ids in chunk order', async () => {
      const documentId = await buildDocument();
      const chunks = await buildChunks([
        'Vacation days expire in March.',
        'Sick leave is reported by 10:00.',
      ]);
      const ids = await write(documentId, chunks);
      expect(ids).toHaveLength(2);
      const stored = await rows<{ id: string; position: number; heading_path: string[] }>(
        database.db,
        sql`select id::text as id, position, heading_path from chunks where document_id = ${documentId} order by position`,
      );
      expect(stored.map((row) => Number(row.id))).toEqual(ids);
      expect(stored[0]?.heading_path).toEqual(['Section']);
      const [embeddings] = await rows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from chunk_embeddings where chunk_id = any(${`{${ids.join(',')}}`}::bigint[])`,
      );
      expect(embeddings?.n).toBe(2);
      await expectConsistent();
    });

    it('re-writing a document replaces its chunks and keeps df and lex_stats exact', async () => {
      const documentId = await buildDocument();
      const other = await buildDocument();
      await write(
        other,
        await buildChunks(['Expense reports are due within 30 days.', 'Receipts must be attached.']),
      );
      await write(
        documentId,
        await buildChunks(['Expense reports need receipts.', 'Travel is booked via the portal.']),
      );
      await expectConsistent();
      await write(documentId, await buildChunks(['Only one chunk now, about expense reports and travel.']));
      await expectConsistent();
      const [left] = await rows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from chunks where document_id = ${documentId}`,
      );
      expect(left?.n).toBe(1);
      await write(documentId, []);
      await expectConsistent();
    });

    it('deleting a document’s chunks takes them out of the statistics', async () => {
      const documentId = await buildDocument();
      await write(
        documentId,
        await buildChunks(['Quarterly kombucha tasting in the atrium.', 'Kombucha again.']),
      );
      const deleted = await database.db.transaction((tx) => deleteDocumentChunks(tx, documentId));
      expect(deleted).toBe(2);
      const [kombucha] = await rows<{ df: number }>(
        database.db,
        sql`select df from lex_terms where term = 'kombucha'`,
      );
      expect(kombucha?.df).toBe(0);
      await expectConsistent();
      expect(await database.db.transaction((tx) => deleteDocumentChunks(tx, documentId))).toBe(0);
    });

    it('refuses embeddings that do not fit the model and leaves the previous chunks whole', async () => {
      const documentId = await buildDocument();
      await write(documentId, await buildChunks(['The canteen serves lasagne on Fridays.']));
      const before = await consistency();
      const [bad] = await buildChunks(['new text']);
      await expect(write(documentId, [{ ...bad!, embedding: [1, 2, 3] }])).rejects.toThrow(/dimensional/);
      expect(await consistency()).toEqual(before);
    });

    it('moves a document’s chunks, postings and embeddings to another collection', async () => {
      const target = await buildCollection();
      const documentId = await buildDocument();
      await write(documentId, await buildChunks(['Parking permits are renewed in January.']));
      expect(await database.db.transaction((tx) => moveDocumentChunks(tx, documentId, target))).toBe(1);
      const [where] = await rows<{ chunks: number; postings: number; embeddings: number }>(
        database.db,
        sql`select
              (select count(*)::int from chunks where document_id = ${documentId} and collection_id = ${target}) as chunks,
              (select count(*)::int from lex_postings p join chunks c on c.id = p.chunk_id
                where c.document_id = ${documentId} and p.collection_id <> ${target}) as postings,
              (select count(*)::int from chunk_embeddings e join chunks c on c.id = e.chunk_id
                where c.document_id = ${documentId} and e.collection_id <> ${target}) as embeddings`,
      );
      expect(where).toEqual({ chunks: 1, postings: 0, embeddings: 0 });
      await expectConsistent();
    });

    it('concurrent writers on one connection pool keep the statistics exact', async () => {
      const docs = await Promise.all([buildDocument(), buildDocument(), buildDocument(), buildDocument()]);
      const texts = ['alpha beta gamma', 'beta gamma delta', 'gamma delta epsilon', 'delta epsilon alpha'];
      await Promise.all(
        docs.map(async (doc, i) => write(doc, await buildChunks([texts[i]!, `${texts[i]} again`]))),
      );
      await Promise.all(docs.map(async (doc, i) => write(doc, await buildChunks([texts[(i + 1) % 4]!]))));
      await expectConsistent();
    });

    it('writes several documents in one call exactly as one at a time, each into its own collection', async () => {
      const elsewhere = await buildCollection();
      const [first, second, third] = await Promise.all([
        buildDocument(),
        buildDocument(elsewhere),
        buildDocument(),
      ]);
      await write(first!, await buildChunks(['An old chunk about parking that must go.']));
      const texts = {
        first: ['Onboarding starts with a laptop.', 'Laptops are returned on the last day.'],
        second: ['The laptop policy for contractors.'],
      };
      const ids = await database.db.transaction(async (tx) =>
        writeChunksOfDocuments(tx, [
          {
            documentId: first!,
            collectionId,
            version: 2,
            embeddingModel: embedder.model,
            chunks: await buildChunks(texts.first),
          },
          {
            documentId: second!,
            collectionId: elsewhere,
            version: 1,
            embeddingModel: embedder.model,
            chunks: await buildChunks(texts.second),
          },
          { documentId: third!, collectionId, version: 1, embeddingModel: embedder.model, chunks: [] },
        ]),
      );
      expect(ids.map((list) => list.length)).toEqual([2, 1, 0]);
      const stored = await rows<{ id: string; document_id: string; collection_id: string; text: string }>(
        database.db,
        sql`select id::text as id, document_id::text as document_id, collection_id::text as collection_id, text
            from chunks where document_id in (${first}, ${second}, ${third}) order by document_id = ${second}, position`,
      );
      expect(stored.map((row) => row.text)).toEqual([...texts.first, ...texts.second]);
      expect(stored.map((row) => Number(row.id))).toEqual([...ids[0]!, ...ids[1]!]);
      expect(stored.map((row) => row.collection_id)).toEqual([collectionId, collectionId, elsewhere]);
      const [laptop] = await rows<{ df: number }>(
        database.db,
        sql`select df from lex_terms where term = 'laptop'`,
      );
      expect(laptop?.df).toBe(3);
      await expectConsistent();
      await expect(
        database.db.transaction(async (tx) =>
          writeChunksOfDocuments(tx, [
            { documentId: third!, collectionId, version: 1, embeddingModel: embedder.model, chunks: [] },
            { documentId: third!, collectionId, version: 2, embeddingModel: embedder.model, chunks: [] },
          ]),
        ),
      ).rejects.toThrow(/once/);
    });

    it('vacuums the retrieval tables outside a transaction without changing them', async () => {
      const before = await consistency();
      await vacuumChunkIndex(database.db);
      expect(await consistency()).toEqual(before);
    });
  });
});
