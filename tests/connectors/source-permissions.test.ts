/**
 * Source permissions inside the retrieval SQL: a chunk is readable when its collection allows the user AND,
 * where its document carries source readers, the user is among them (by e-mail, or by a group whose
 * externalId the source named). Randomised: every case changes one document's readers, then checks that
 * BM25, vector search and chunk loading return exactly the documents the rule allows — nothing more
 * (a leak) and nothing less.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetrievalScope, SourceReaders } from '#core';
import { createChunkSearch, rows, schema } from '#db';
import { analyzeQuery } from '../../core/retrieval/analyzer.ts';
import { createSourceStore } from '../../db/sources.ts';
import { DATABASE_KINDS } from '../support/databases.ts';
import {
  buildCollection,
  buildUser,
  createTestEngine,
  ingestText,
  type TestEngine,
} from '../support/engine.ts';
import { ask } from './support.ts';

/** A small deterministic generator: a failing case can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    subset: <T>(items: readonly T[]): T[] => items.filter(() => next() < 0.4),
  };
}

/**
 * Cases per database. Fewer on PostgreSQL: its vector search takes ~0.6–1 s per question on these tiny
 * test tables (measured before this change too: db/chunk-search.ts forces index scans for PGlite's sake).
 * Issue 20's target run: `PERMISSION_CASES=1000 npx vitest run tests/connectors/source-permissions.test.ts`.
 */
const CASES = {
  pglite: Number(process.env.PERMISSION_CASES ?? 300),
  postgres: Number(process.env.PERMISSION_CASES_POSTGRES ?? 25),
} as const;
const SEED = 20_261_203;

describe.each(DATABASE_KINDS)('source permissions on %s', (kind) => {
  let t: TestEngine;
  const groupsByName = new Map<string, string | null>();
  let users: { userId: string; email: string; groups: string[] }[] = [];
  let documents: { id: string; collection: 'open' | 'team'; readers: SourceReaders | null }[] = [];

  beforeAll(async () => {
    t = await createTestEngine({ INGEST_THREADS: '0' }, { databaseKind: kind });
    const db = t.database.db;
    // Two groups known to the source by their provider ids, one (the collection's) only to ex-GPT.
    for (const [name, externalId] of [
      ['재무팀', 'sp-group-finance'],
      ['legal', 'sp-group-legal'],
      ['team-readers', null],
    ] as const) {
      await db.insert(schema.groups).values({ name, externalId });
      groupsByName.set(name, externalId);
    }
    const open = await buildCollection(t, { everyone: true });
    const team = await buildCollection(t, { readers: ['team-readers'] });
    const rng = random(SEED);
    for (let i = 0; i < 6; i++) {
      const groups = rng.subset([...groupsByName.keys()]);
      const user = await buildUser(t, { email: `User${i}@example.com`, groups });
      users.push({ userId: user.userId, email: user.email, groups });
    }
    for (let i = 0; i < 8; i++) {
      const collection = i % 3 === 2 ? 'team' : 'open';
      const { document } = await ingestText(t, {
        collectionId: collection === 'team' ? team.id : open.id,
        filename: `policy-${i}.md`,
        text: `# 정책 ${i}\n\n공통 보안 정책 문서입니다. Shared security policy number ${i}: marker${i}x.`,
      });
      documents.push({ id: document.id, collection, readers: null });
    }
  });
  afterAll(async () => {
    await t?.close();
    users = [];
    documents = [];
  });

  function allowed(user: (typeof users)[number], doc: (typeof documents)[number]): boolean {
    const collectionAllows = doc.collection === 'open' || user.groups.includes('team-readers');
    if (!collectionAllows) return false;
    if (doc.readers === null) return true;
    if (doc.readers.emails.some((email) => email.toLowerCase() === user.email.toLowerCase())) return true;
    const external = user.groups.map((g) => groupsByName.get(g)).filter((id): id is string => !!id);
    return doc.readers.groups.some((group) => external.includes(group));
  }

  it(`returns exactly the permitted documents across ${CASES[kind]} random permission changes`, async () => {
    const store = createSourceStore(t.database.db);
    const search = createChunkSearch(t.database.db);
    const model = t.engine.embedder.model;
    const embedding = await t.engine.embedder.embedQuery('공통 보안 정책 shared security policy');
    const terms = analyzeQuery('공통 보안 정책 shared security policy');
    const chunkDoc = new Map(
      (
        await rows<{ id: string; document_id: string }>(
          t.database.db,
          sql`select id::text, document_id from chunks`,
        )
      ).map((row) => [String(row.id), row.document_id]),
    );
    const rng = random(SEED + 1);
    let leaks = 0;
    for (let n = 0; n < CASES[kind]; n++) {
      const doc = rng.pick(documents);
      const change = rng.next();
      doc.readers =
        change < 0.25
          ? null
          : {
              // Sources send e-mails in any case; ids of groups ex-GPT has never heard of are kept, harmlessly.
              emails: rng.subset(users).map((u) => (rng.next() < 0.5 ? u.email.toUpperCase() : u.email)),
              groups: rng.subset(['sp-group-finance', 'sp-group-legal', 'sp-group-unknown']),
            };
      await store.setDocumentReaders(doc.id, doc.readers);
      const user = rng.pick(users);
      const scope: RetrievalScope = { userId: user.userId };
      const expected = new Set(documents.filter((d) => allowed(user, d)).map((d) => d.id));
      const docsOf = (ids: readonly string[]) => new Set(ids.map((id) => chunkDoc.get(id)));
      const lexical = docsOf((await search.lexical(terms, scope, 100)).map((hit) => hit.chunkId));
      const vector = docsOf((await search.vector(embedding, model, scope, 100)).map((hit) => hit.chunkId));
      const loaded = new Set(
        (await search.load([...chunkDoc.keys()], scope)).map((chunk) => chunk.documentId),
      );
      for (const found of [lexical, vector, loaded]) {
        for (const id of found) if (!expected.has(id!)) leaks++;
        expect({ case: n, found: [...found].sort() }).toEqual({ case: n, found: [...expected].sort() });
      }
    }
    expect(leaks).toBe(0);
    // Several hundred statements on a machine shared with other suites: a generous limit, not a speed check.
  }, 1_800_000);

  it('a reader removed at the source no longer sees the document in the next answer', async () => {
    const reader = users.find((u) => !u.groups.includes('sp-group-legal'))!;
    const collection = await buildCollection(t, { everyone: true });
    const { document } = await ingestText(t, {
      collectionId: collection.id,
      filename: '인수합병.md',
      text: '# 인수합병 계획\n\n회사는 내년 2분기에 경쟁사 인수를 완료할 예정이다. 인수 가격은 1,200억 원이다.',
    });
    const store = createSourceStore(t.database.db);
    await store.setDocumentReaders(document.id, { emails: [reader.email], groups: [] });
    const principal = { userId: reader.userId, email: reader.email, role: 'member' as const };
    const before = await ask(t, principal, '경쟁사 인수 가격은 얼마인가요?');
    expect(before.answered).toBe(true);
    expect(before.sources.map((s) => s.documentId)).toContain(document.id);

    await store.setDocumentReaders(document.id, { emails: ['someone-else@example.com'], groups: [] });
    const after = await ask(t, principal, '경쟁사 인수 가격은 얼마인가요?');
    expect(after.sources.map((s) => s.documentId)).not.toContain(document.id);
    expect(after.answer).not.toContain('1,200억');
    const [row] = await t.database.db
      .select({ restricted: schema.documents.restricted })
      .from(schema.documents)
      .where(eq(schema.documents.id, document.id));
    expect(row?.restricted).toBe(true);
  });
});
