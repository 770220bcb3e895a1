import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentIngestor, type Embedder, sha256Hex } from '#core';
import { rows } from '#db';
import { createInThreadAnalyzer } from '../core/ingest/analyze-file.ts';
import { createTokenCounter } from '../core/ingest/index.ts';
import { analyzeDocument } from '../core/retrieval/analyzer.ts';
import { DATABASE_KINDS } from './support/databases.ts';
import {
  buildCollection,
  buildUser,
  createTestEngine,
  ingestText,
  type TestEngine,
} from './support/engine.ts';

/** Sections long enough (over a third of the chunk budget each) to be chunks of their own. */
const filler = (topic: string) =>
  Array.from(
    { length: 12 },
    (_, i) => `Rule ${i + 1} about ${topic} applies to every office and every team member.`,
  ).join(' ');

const HANDBOOK = `# Employee handbook

## Leave

### Vacation
Full-time employees receive 28 vacation days per year. Unused vacation days expire on 31 March of the following year.
${filler('holidays')}

### Sick leave
Report sick leave to your manager before 10:00 on the first day.
${filler('illness')}

## Expenses
Submit expense reports within 30 days, with receipts attached, through the finance portal.
${filler('receipts')}
`;

describe.each(DATABASE_KINDS)('on %s', (kind) => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await createTestEngine({}, { databaseKind: kind });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function chunksOf(documentId: string) {
    return rows<{ id: number; text: string; heading_path: string[]; document_version: number }>(
      t.database.db,
      sql`select id, text, heading_path, document_version from chunks where document_id = ${documentId} order by position`,
    );
  }

  async function lexicalConsistency() {
    const [stats] = await rows<{ chunk_count: number; total_length: number }>(
      t.database.db,
      sql`select chunk_count::int, total_length::int from lex_stats`,
    );
    const [actual] = await rows<{ n: number; total: number }>(
      t.database.db,
      sql`select count(*)::int as n, coalesce(sum(lexical_length), 0)::int as total from chunks`,
    );
    const wrongDf = await rows(
      t.database.db,
      sql`select t.term from lex_terms t
          left join (select term_id, count(*)::int as n from lex_postings group by term_id) p on p.term_id = t.id
          where t.df <> coalesce(p.n, 0)`,
    );
    return { stats, actual, wrongDf: wrongDf.length };
  }

  describe('ingestion pipeline', () => {
    it('indexes a Markdown document with heading paths and answers from it with a citation', async () => {
      const collection = await buildCollection(t, { everyone: true });
      const { document, outcome } = await ingestText(t, {
        collectionId: collection.id,
        filename: 'handbook.md',
        text: HANDBOOK,
      });
      expect(outcome).toBe('created');
      expect(document.status).toBe('ready');
      expect(document.progress).toEqual({ stage: 'done', percent: 100 });
      const chunks = await chunksOf(document.id);
      expect(chunks.length).toBeGreaterThan(0);
      const vacation = chunks.find((c) => c.text.includes('28 vacation days'));
      expect(vacation?.heading_path).toEqual(['Employee handbook', 'Leave', 'Vacation']);
      expect(chunks.find((c) => c.text.includes('expense reports'))?.heading_path).toEqual([
        'Employee handbook',
        'Expenses',
      ]);

      const result = await t.engine.ask.run({
        principal: t.admin,
        question: 'How many vacation days do full-time employees get?',
        conversation: { platform: 'cli', channelId: null, threadId: null },
        scope: { userId: t.admin.userId, collectionIds: [collection.id] },
      });
      expect(result.answered).toBe(true);
      expect(result.answer).toContain('28 vacation days');
      expect(result.answer).toMatch(/\[\d+\]/);
      // Uploaded without a title: the document's own first heading names it, not the file.
      expect(result.sources[0]?.title).toBe('Employee handbook');
      expect(result.sources[0]?.section).toBe('Leave › Vacation');
    });

    it('says honestly when the documents do not hold the answer, and records it as unanswered', async () => {
      const collection = await buildCollection(t);
      await ingestText(t, { collectionId: collection.id, filename: 'handbook.md', text: HANDBOOK });
      const result = await t.engine.ask.run({
        principal: t.admin,
        question: 'What is the wifi password in the Berlin office?',
        conversation: { platform: 'cli', channelId: null, threadId: null },
        scope: { userId: t.admin.userId, collectionIds: [collection.id] },
      });
      expect(result.answered).toBe(false);
      expect(result.sources).toEqual([]);
      const [stored] = await rows<{ answered: boolean }>(
        t.database.db,
        sql`select answered from messages where id = ${result.messageId}`,
      );
      expect(stored?.answered).toBe(false);
    });

    it('re-ingesting an unchanged file is a no-op; a changed file replaces its chunks', async () => {
      const collection = await buildCollection(t);
      const first = await ingestText(t, {
        collectionId: collection.id,
        filename: 'policy.txt',
        text: 'Parking is free for all staff on weekends.',
      });
      const before = await chunksOf(first.document.id);

      const again = await ingestText(t, {
        collectionId: collection.id,
        filename: 'policy.txt',
        text: 'Parking is free for all staff on weekends.',
      });
      expect(again.outcome).toBe('unchanged');
      expect(again.document.version).toBe(1);
      expect(await chunksOf(first.document.id)).toEqual(before);

      const changed = await ingestText(t, {
        collectionId: collection.id,
        filename: 'policy.txt',
        text: 'Parking costs 5 euros per day since June.',
      });
      expect(changed.outcome).toBe('updated');
      expect(changed.document.id).toBe(first.document.id);
      expect(changed.document.version).toBe(2);
      const after = await chunksOf(first.document.id);
      expect(after.map((c) => c.text).join(' ')).toContain('5 euros');
      expect(after.map((c) => c.text).join(' ')).not.toContain('free for all staff');
      expect(after.every((c) => c.document_version === 2)).toBe(true);
      const consistency = await lexicalConsistency();
      expect(consistency.stats).toEqual({
        chunk_count: consistency.actual!.n,
        total_length: consistency.actual!.total,
      });
      expect(consistency.wrongDf).toBe(0);
    });

    it('a failure while storing a new version leaves the previous version whole and searchable', async () => {
      const collection = await buildCollection(t);
      const first = await ingestText(t, {
        collectionId: collection.id,
        filename: 'menu.txt',
        text: 'The canteen serves lasagne on Fridays.',
      });
      const stored = await chunksOf(first.document.id);
      // A vector of the wrong size makes the database refuse the new chunks half-way through the write.
      const result = await t.engine.documents
        .replaceChunks(first.document.id, 1, t.engine.embedder.model, [
          {
            position: 0,
            headingPath: [],
            text: 'new text',
            tokenCount: 2,
            lexical: { terms: new Map([['new', 1]]), length: 1 },
            embedding: [1, 2, 3],
          },
        ])
        .then(
          () => 'stored',
          () => 'rejected',
        );
      expect(result).toBe('rejected');
      expect(await chunksOf(first.document.id)).toEqual(stored);
      const doc = await t.engine.documents.get(first.document.id);
      expect(doc?.status).toBe('ready');
    });

    it('uploads arriving together are each created, updated or found unchanged', async () => {
      const collection = await buildCollection(t);
      const upload = (sourceKey: string, text: string) => {
        const bytes = new TextEncoder().encode(text);
        return t.engine.documents.upsertUpload({
          collectionId: collection.id,
          sourceKey,
          title: sourceKey,
          filename: `${sourceKey}.txt`,
          mimeType: 'text/plain',
          bytes,
          sha256: sha256Hex(bytes),
          uploadedBy: null,
        });
      };
      const [kept, changed] = await Promise.all([upload('kept', 'same text'), upload('changed', 'old text')]);
      const outcomes = await Promise.all([
        upload('first', 'a new document'),
        upload('kept', 'same text'),
        upload('changed', 'new text'),
        upload('second', 'another new document'),
        upload('second', 'the same key again, right after'),
      ]);
      expect(outcomes.map((o) => o.kind)).toEqual(['created', 'unchanged', 'updated', 'created', 'updated']);
      expect(outcomes[1]!.document.id).toBe(kept.document.id);
      expect(outcomes[2]!.document).toMatchObject({ id: changed.document.id, version: 2, status: 'queued' });
      expect(outcomes[4]!.document).toMatchObject({ id: outcomes[3]!.document.id, version: 2 });
      const [files] = await rows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from document_files f join documents d on d.id = f.document_id
            where d.collection_id = ${collection.id}`,
      );
      // kept 1, changed 2 versions, first 1, second 2 versions.
      expect(files?.n).toBe(6);
    });

    it('documents stored in one group write each get their own outcome: stored, stale or refused', async () => {
      const collection = await buildCollection(t);
      const upload = async (name: string, text: string) => {
        const bytes = new TextEncoder().encode(text);
        const { document } = await t.engine.documents.upsertUpload({
          collectionId: collection.id,
          sourceKey: name,
          title: name,
          filename: `${name}.txt`,
          mimeType: 'text/plain',
          bytes,
          sha256: sha256Hex(bytes),
          uploadedBy: null,
        });
        return document;
      };
      const texts = ['Bikes are parked in the courtyard.', 'Lockers are opened with the badge.', 'x', 'y'];
      const docs = await Promise.all(texts.map((text, i) => upload(`group-${i}`, text)));
      const [vectors] = [await t.engine.embedder.embedDocuments(texts)];
      const chunk = (i: number, embedding = vectors[i]!) => ({
        position: 0,
        headingPath: [],
        text: texts[i]!,
        tokenCount: 8,
        lexical: analyzeDocument(texts[i]!),
        embedding,
      });
      const model = t.engine.embedder.model;
      // Issued together, as jobs finishing at the same time do: the first is written alone, the rest as a group.
      const outcomes = await Promise.allSettled([
        t.engine.documents.replaceChunks(docs[0]!.id, 1, model, [chunk(0)]),
        t.engine.documents.replaceChunks(docs[1]!.id, 1, model, [chunk(1)]),
        t.engine.documents.replaceChunks(docs[2]!.id, 2, model, [chunk(2)]),
        t.engine.documents.replaceChunks(docs[3]!.id, 1, model, [chunk(3, [1, 2, 3])]),
      ]);
      expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'refused'))).toEqual([
        'stored',
        'stored',
        'stale',
        'refused',
      ]);
      const statuses = await Promise.all(
        docs.map(async (doc) => (await t.engine.documents.get(doc.id))?.status),
      );
      expect(statuses).toEqual(['ready', 'ready', 'queued', 'queued']);
      expect((await chunksOf(docs[1]!.id)).map((row) => row.text)).toEqual([texts[1]]);
      expect(await chunksOf(docs[2]!.id)).toEqual([]);
      expect((await lexicalConsistency()).wrongDf).toBe(0);
    });

    it('a document that takes a while shows processing with its stage until it is ready', async () => {
      const collection = await buildCollection(t);
      const bytes = new TextEncoder().encode(HANDBOOK);
      const { document } = await t.engine.documents.upsertUpload({
        collectionId: collection.id,
        sourceKey: 'slow.md',
        title: 'slow',
        filename: 'slow.md',
        mimeType: 'text/markdown',
        bytes,
        sha256: sha256Hex(bytes),
        uploadedBy: null,
      });
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      // An embedding endpoint that answers only when the test says so.
      const slow: Embedder = {
        ...t.engine.embedder,
        async embedDocuments(texts) {
          await released;
          return t.engine.embedder.embedDocuments(texts);
        },
      };
      const ingestor = createDocumentIngestor({
        documents: t.engine.documents,
        embedder: slow,
        analyzer: createInThreadAnalyzer(createTokenCounter()),
        logger: t.engine.logger,
        maxBytes: t.config.MAX_UPLOAD_BYTES,
        chunkTokens: t.config.CHUNK_TOKENS,
        chunkOverlapTokens: t.config.CHUNK_OVERLAP_TOKENS,
        embeddingBatchSize: t.config.EMBEDDING_BATCH_SIZE,
      });
      const running = ingestor.ingest(document.id, document.version);
      await expect
        .poll(async () => (await t.engine.documents.get(document.id))?.status, {
          timeout: 5000,
          interval: 50,
        })
        .toBe('processing');
      expect((await t.engine.documents.get(document.id))?.progress?.stage).toBe('embedding');
      release();
      expect(await running).toMatchObject({ status: 'ready' });
      expect((await t.engine.documents.get(document.id))?.status).toBe('ready');
    });

    it('deleting a document removes its chunks and their search statistics', async () => {
      const collection = await buildCollection(t);
      const { document } = await ingestText(t, {
        collectionId: collection.id,
        filename: 'temp.txt',
        text: 'Quarterly kombucha tasting in the atrium.',
      });
      expect((await chunksOf(document.id)).length).toBeGreaterThan(0);
      expect(await t.engine.documents.delete(document.id)).toBe(true);
      expect(await chunksOf(document.id)).toEqual([]);
      const [postings] = await rows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from lex_postings p join lex_terms t on t.id = p.term_id where t.term like 'kombucha%'`,
      );
      expect(postings?.n).toBe(0);
      const consistency = await lexicalConsistency();
      expect(consistency.stats?.chunk_count).toBe(consistency.actual?.n);
      expect(consistency.wrongDf).toBe(0);
    });

    it('a corrupt file is marked failed with its reason while the others are indexed', async () => {
      const collection = await buildCollection(t);
      const corrupt = new TextEncoder().encode('%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref');
      const [bad, good] = await Promise.all([
        ingestText(t, { collectionId: collection.id, filename: 'broken.pdf', text: corrupt }),
        ingestText(t, {
          collectionId: collection.id,
          filename: 'fine.txt',
          text: 'The office opens at 8 am.',
        }),
      ]);
      expect(bad.document.status).toBe('failed');
      expect(bad.document.error).toMatch(/pdf/i);
      expect(bad.document.error).not.toMatch(/at .*\.(js|ts):\d+/);
      expect(good.document.status).toBe('ready');
    });

    it('a user outside a collection’s groups never gets its chunks, whatever the question', async () => {
      const secret = await buildCollection(t, { readers: ['finance'] });
      await ingestText(t, {
        collectionId: secret.id,
        filename: 'salaries.txt',
        text: 'The CEO salary is 420000 euros. Bonus pool for 2026 is 1.2 million euros.',
      });
      const outsider = await buildUser(t, { groups: ['engineering'] });
      const insider = await buildUser(t, { groups: ['finance'] });
      for (const question of [
        'What is the CEO salary?',
        'The CEO salary is 420000 euros.',
        'bonus pool 2026',
        'salaries',
      ]) {
        const denied = await t.engine.ask.run({
          principal: outsider,
          question,
          conversation: { platform: 'cli', channelId: null, threadId: null },
          scope: { userId: outsider.userId },
        });
        expect(denied.answer).not.toContain('420000');
        expect(denied.sources.every((s) => !s.title.includes('salaries'))).toBe(true);
      }
      const allowed = await t.engine.ask.run({
        principal: insider,
        question: 'What is the CEO salary?',
        conversation: { platform: 'cli', channelId: null, threadId: null },
        scope: { userId: insider.userId },
      });
      expect(allowed.answer).toContain('420000');
    });
  });
});
