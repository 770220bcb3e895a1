import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexedChunk, LexicalDoc, RetrievalScope } from '#core';
import { createLocalEmbedder } from '../core/embedding/local-embedder.ts';
import { analyzeDocument, analyzeQuery, textForIndexing } from '../core/retrieval/analyzer.ts';
import { DATABASE_KINDS, openTestDatabase } from '../tests/support/databases.ts';
import { ensureEmbeddingModel, writeDocumentChunks } from './chunk-index.ts';
import { createChunkSearch } from './chunk-search.ts';
import { type Database, rows } from './client.ts';
import { collectionReaders, collections, documents, groups, memberships, users } from './schema.ts';

const embedder = createLocalEmbedder({ dimensions: 64 });
describe.each(DATABASE_KINDS)('on %s', (kind) => {
  let database: Database;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await ensureEmbeddingModel(database.db, { model: embedder.model, dimensions: embedder.dimensions });
  });
  afterAll(async () => {
    await database?.close();
  });

  async function buildUser(groupNames: readonly string[] = []): Promise<string> {
    const db = database.db;
    const [user] = await db
      .insert(users)
      .values({ email: `${randomUUID()}@example.com` })
      .returning();
    for (const name of groupNames) {
      const [group] = await db
        .insert(groups)
        .values({ name })
        .onConflictDoUpdate({ target: groups.name, set: { name } })
        .returning();
      await db.insert(memberships).values({ userId: user!.id, groupId: group!.id });
    }
    return user!.id;
  }

  async function buildCollection(
    options: { everyone?: boolean; readers?: readonly string[] } = {},
  ): Promise<string> {
    const db = database.db;
    const [collection] = await db
      .insert(collections)
      .values({ name: `c-${randomUUID()}`, everyone: options.everyone ?? false })
      .returning();
    for (const name of options.readers ?? []) {
      const [group] = await db
        .insert(groups)
        .values({ name })
        .onConflictDoUpdate({ target: groups.name, set: { name } })
        .returning();
      await db.insert(collectionReaders).values({ collectionId: collection!.id, groupId: group!.id });
    }
    return collection!.id;
  }

  async function chunkOf(text: string, lexical?: LexicalDoc): Promise<IndexedChunk> {
    return {
      position: 0,
      headingPath: [],
      text,
      tokenCount: text.split(/\s+/).length,
      lexical: lexical ?? analyzeDocument(textForIndexing({ title: '', headingPath: [], text })),
      embedding: await embedder.embedQuery(text),
    };
  }

  async function buildDocument(
    collectionId: string,
    chunks: readonly IndexedChunk[],
    title = 'doc',
  ): Promise<string> {
    const db = database.db;
    const [doc] = await db
      .insert(documents)
      .values({
        collectionId,
        sourceKey: randomUUID(),
        title,
        filename: `${title}.txt`,
        mimeType: 'text/plain',
        sizeBytes: 1,
        sha256: 'x',
      })
      .returning();
    await db.transaction((tx) =>
      writeDocumentChunks(tx, {
        documentId: doc!.id,
        collectionId,
        version: 1,
        embeddingModel: embedder.model,
        chunks,
      }),
    );
    return doc!.id;
  }

  describe('BM25 in SQL', () => {
    it('scores exactly as the Lucene BM25 formula computed by hand', async () => {
      // A private collection so the other tests' chunks stay out of the result (N and avgdl are global).
      const collection = await buildCollection({ readers: ['bm25-readers'] });
      const reader = await buildUser(['bm25-readers']);
      const search = createChunkSearch(database.db, { k1: 1.2, b: 0.75 });

      const docs: Record<string, Record<string, number>> = {
        a: { zebra: 2, lion: 1 },
        b: { zebra: 1, tiger: 3, lion: 1 },
        c: { tiger: 1 },
        d: { lion: 4, eagle: 1, zebra: 1 },
      };
      const ids: Record<string, string> = {};
      for (const [name, terms] of Object.entries(docs)) {
        const map = new Map(Object.entries(terms).map(([term, tf]) => [`bm25x${term}`, tf]));
        const length = [...map.values()].reduce((sum, tf) => sum + tf, 0);
        const text = `document ${name}`;
        const docId = await buildDocument(collection, [await chunkOf(text, { terms: map, length })], name);
        const [row] = await rows<{ id: string }>(
          database.db,
          sql`select id::text as id from chunks where document_id = ${docId}`,
        );
        ids[name] = row!.id;
      }

      // Statistics over every chunk in the index (earlier tests in this file may have added some).
      const [stats] = await rows<{ n: number; total: number }>(
        database.db,
        sql`select chunk_count::float8 as n, total_length::float8 as total from lex_stats`,
      );
      const n = stats!.n;
      const avgdl = stats!.total / n;
      const df = (term: string) => Object.values(docs).filter((terms) => term in terms).length;
      const idf = (term: string) => Math.log(1 + (n - df(term) + 0.5) / (df(term) + 0.5));
      const expected = (name: string, query: Record<string, number>) => {
        const terms = docs[name]!;
        const length = Object.values(terms).reduce((sum, tf) => sum + tf, 0);
        let score = 0;
        for (const [term, weight] of Object.entries(query)) {
          const tf = terms[term] ?? 0;
          if (tf > 0)
            score += weight * idf(term) * ((tf * 2.2) / (tf + 1.2 * (1 - 0.75 + (0.75 * length) / avgdl)));
        }
        return score;
      };

      const query = { zebra: 1, tiger: 0.5 };
      const hits = await search.lexical(
        Object.entries(query).map(([term, weight]) => ({ term: `bm25x${term}`, weight })),
        { userId: reader },
        10,
      );
      const scored = Object.keys(docs)
        .map((name) => ({ name, score: expected(name, query) }))
        .filter((hit) => hit.score > 0)
        .sort((x, y) => y.score - x.score);
      expect(hits.map((hit) => hit.chunkId)).toEqual(scored.map((hit) => ids[hit.name]));
      hits.forEach((hit, i) => {
        expect(Math.abs(hit.score - scored[i]!.score)).toBeLessThan(1e-6);
      });

      // Two-phase scoring (large indexes): candidates from the selective term (tiger, df 2 ≤ 0.5 × 4), the
      // common term (zebra, df 3) added by probes. Scores stay exact; a chunk with only zebra is not a candidate.
      const twoPhase = createChunkSearch(database.db, {
        k1: 1.2,
        b: 0.75,
        twoPhaseMinChunks: 0,
        selectiveTermRatio: 0.5,
      });
      const probed = await twoPhase.lexical(
        Object.entries(query).map(([term, weight]) => ({ term: `bm25x${term}`, weight })),
        { userId: reader },
        10,
      );
      const withTiger = scored.filter((hit) => 'tiger' in docs[hit.name]!);
      expect(probed.map((hit) => hit.chunkId)).toEqual(withTiger.map((hit) => ids[hit.name]));
      probed.forEach((hit, i) => {
        expect(Math.abs(hit.score - withTiger[i]!.score)).toBeLessThan(1e-6);
      });
    });
  });

  describe('access policy', () => {
    const secretText = 'The CEO salary is 420000 euros and the bonus pool for 2026 is 1.2 million euros.';
    const openText = 'The canteen serves lasagne on Fridays and salad every day.';
    const teamText = 'Engineering on-call rotation starts every Monday at 09:00.';
    let secret: string;
    let open: string;
    let team: string;
    let outsider: string;
    let insider: string;
    let engineer: string;

    beforeAll(async () => {
      secret = await buildCollection({ readers: ['finance'] });
      open = await buildCollection({ everyone: true });
      team = await buildCollection({ readers: ['engineering'] });
      await buildDocument(secret, [await chunkOf(secretText)], 'salaries');
      await buildDocument(open, [await chunkOf(openText)], 'canteen');
      await buildDocument(team, [await chunkOf(teamText)], 'on-call');
      outsider = await buildUser(['engineering']);
      insider = await buildUser(['finance']);
      engineer = await buildUser(['engineering', 'finance']);
    });

    /** The collection of each chunk id, looked up without any access filter (test-side ground truth). */
    async function collectionsOf(chunkIds: readonly string[]): Promise<Set<string>> {
      if (chunkIds.length === 0) return new Set();
      const found = await rows<{ collection_id: string }>(
        database.db,
        sql`select collection_id from chunks where id = any(${`{${chunkIds.join(',')}}`}::bigint[])`,
      );
      return new Set(found.map((row) => row.collection_id));
    }

    async function search(scope: RetrievalScope, question: string, limit = 1000) {
      const chunkSearch = createChunkSearch(database.db);
      const lexical = await chunkSearch.lexical(analyzeQuery(question), scope, limit);
      const embedding = await embedder.embedQuery(question);
      const vector = await chunkSearch.vector(embedding, embedder.model, scope, limit);
      // The same search forced onto the HNSW graph walk (what large indexes use) must filter the same way.
      const graphSearch = createChunkSearch(database.db, { exactVectorMaxChunks: 0 });
      const graph = await graphSearch.vector(embedding, embedder.model, scope, limit);
      const ids = [...new Set([...lexical, ...vector, ...graph].map((hit) => hit.chunkId))];
      const loaded = await chunkSearch.load(ids, scope);
      return {
        lexical: await collectionsOf(lexical.map((hit) => hit.chunkId)),
        vector: await collectionsOf(vector.map((hit) => hit.chunkId)),
        graph: await collectionsOf(graph.map((hit) => hit.chunkId)),
        loaded: new Set(loaded.map((chunk) => chunk.collectionId)),
        texts: loaded.map((chunk) => chunk.text),
      };
    }

    const questions = [
      secretText,
      'CEO salary',
      'bonus pool 2026',
      '420000 euros',
      'salaries',
      'million',
      openText,
    ];

    it('a user outside the groups never gets the collection’s chunks from lexical, vector or load', async () => {
      // Small limits take the HNSW path (the nearest vector is the secret one); large ones the exact fallback.
      for (const [question, limit] of questions.flatMap((q) => [1, 2, 1000].map((n) => [q, n] as const))) {
        const seen = await search({ userId: outsider }, question, limit);
        expect(seen.vector.size).toBeGreaterThan(0);
        expect(seen.graph.size).toBeGreaterThan(0);
        expect(seen.graph.has(secret)).toBe(false);
        expect(seen.lexical.has(secret)).toBe(false);
        expect(seen.vector.has(secret)).toBe(false);
        expect(seen.loaded.has(secret)).toBe(false);
        expect(seen.texts.some((text) => text.includes('420000'))).toBe(false);
      }
    });

    it('the sign-bit graph with its shortlist re-ranked ranks exactly as comparing every vector', async () => {
      const exact = createChunkSearch(database.db);
      const graph = createChunkSearch(database.db, { exactVectorMaxChunks: 0, shortlist: 1000 });
      for (const question of questions) {
        const embedding = await embedder.embedQuery(question);
        const want = await exact.vector(embedding, embedder.model, { userId: insider }, 5);
        const got = await graph.vector(embedding, embedder.model, { userId: insider }, 5);
        expect(got.map((hit) => hit.chunkId)).toEqual(want.map((hit) => hit.chunkId));
        expect(got.map((hit) => hit.score)).toEqual(want.map((hit) => hit.score));
      }
    });

    it('load never returns a chunk the scope cannot read, even when asked for its id', async () => {
      const secretIds = await rows<{ id: string }>(
        database.db,
        sql`select id::text as id from chunks where collection_id = ${secret}`,
      );
      const ids = secretIds.map((row) => row.id);
      expect(ids.length).toBeGreaterThan(0);
      const chunkSearch = createChunkSearch(database.db);
      expect(await chunkSearch.load(ids, { userId: outsider })).toEqual([]);
      expect((await chunkSearch.load(ids, { userId: insider })).map((chunk) => chunk.chunkId)).toEqual(ids);
    });

    it('members of a reader group and everyone-collections are readable, in every method', async () => {
      const seen = await search({ userId: insider }, secretText);
      expect(seen.lexical.has(secret)).toBe(true);
      expect(seen.vector.has(secret)).toBe(true);
      expect(seen.graph.has(secret)).toBe(true);
      expect(seen.loaded.has(secret)).toBe(true);
      expect(seen.lexical.has(team)).toBe(false);
      const canteen = await search({ userId: outsider }, openText);
      expect(canteen.lexical.has(open)).toBe(true);
      expect(canteen.vector.has(open)).toBe(true);
      expect(canteen.loaded.has(open)).toBe(true);
    });

    it('scope collections narrow the search and never widen it', async () => {
      // Bound to the secret collection only, an outsider sees nothing at all.
      for (const question of questions) {
        const narrowed = await search({ userId: outsider, collectionIds: [secret] }, question);
        expect([...narrowed.lexical, ...narrowed.vector, ...narrowed.graph, ...narrowed.loaded]).toEqual([]);
      }
      // Bound to the canteen, the engineer sees only canteen chunks although they may read all three.
      const both = `${teamText} ${secretText} ${openText}`;
      const canteenOnly = await search({ userId: engineer, collectionIds: [open] }, both);
      expect([...canteenOnly.lexical]).toEqual([open]);
      expect([...canteenOnly.vector]).toEqual([open]);
      expect([...canteenOnly.graph]).toEqual([open]);
      expect([...canteenOnly.loaded]).toEqual([open]);
      const unbound = await search({ userId: engineer }, both);
      expect(unbound.lexical).toEqual(new Set([open, secret, team]));
    });

    it('an unknown user reads only everyone-collections; a malformed scope reads nothing', async () => {
      const stranger = await search({ userId: randomUUID() }, `${openText} ${secretText} ${teamText}`);
      expect([...stranger.loaded].every((id) => id !== secret && id !== team)).toBe(true);
      expect(stranger.loaded.has(open)).toBe(true);
      const empty = { lexical: new Set(), vector: new Set(), graph: new Set(), loaded: new Set(), texts: [] };
      expect(await search({ userId: 'not-a-uuid' }, openText)).toEqual(empty);
      expect(await search({ userId: engineer, collectionIds: ['nope'] }, openText)).toEqual(empty);
      expect(await search({ userId: engineer, collectionIds: [] }, openText)).toEqual(empty);
    });
  });
});
