/**
 * Issue 12: uploaded files live in DATA_DIR/files beside the embedded database, not in it (a 49 MB upload
 * written into PGlite held the HTTP thread for 107 s). Uploads stream there; a file is shared by the
 * document versions with the same bytes and removed with the last of them; a crash between the file's
 * write and its row's commit leaves nothing after the start-up sweep; rows that still hold their bytes
 * (written before this change) stay readable.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '#core';
import { rows } from '#db';
import { buildApp } from '../bot/app.ts';
import { createDirectoryFileStore } from '../db/directory-file-store.ts';
import { createEngine, createFileStore } from '../workers/engine.ts';
import { createTestEngine, silentLogger, type TestEngine } from './support/engine.ts';
import { multipartBody } from './support/multipart.ts';

const KOREAN = `# 출장 규정

## 숙박비
국내 출장 시 숙박비는 1박에 12만원까지 지원합니다. 서울은 15만원까지 지원합니다.

## 일비
부장 이상은 하루 7만원, 그 외 직원은 하루 5만원의 일비를 받습니다.
`;
const ENGLISH = `# Parking policy

## Visitors
Visitors park on level B2 and register at the front desk before 6 pm.

## Bicycles
Bicycles are kept in the locked room next to the north entrance.
`;

describe('uploaded files in DATA_DIR/files (embedded database)', () => {
  let t: TestEngine;
  let app: FastifyInstance;
  const filesDir = () => path.join(t.config.DATA_DIR, 'files');
  const filePath = (sha256: string) => path.join(filesDir(), sha256.slice(0, 2), sha256);
  const auth = () => ({ authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => {
    t = await createTestEngine();
    app = await buildApp({
      config: t.config,
      logger: t.engine.logger,
      database: t.database,
      ask: t.engine.ask,
      documents: t.engine.documents,
      files: t.engine.files,
      queue: t.queue,
    });
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  async function upload(filename: string, content: string, fields: Record<string, string> = {}) {
    const body = multipartBody(fields, [{ filename, contentType: 'text/markdown', content }]);
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/documents',
      payload: body.payload,
      headers: { ...body.headers, ...auth() },
    });
    return response;
  }

  async function ask(question: string, collection: string) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/ask',
      headers: auth(),
      payload: { question, collections: [collection] },
    });
    expect(response.statusCode).toBe(200);
    return response.json() as { answered: boolean; answer: string };
  }

  async function deleteDocument(id: string) {
    const response = await app.inject({ method: 'DELETE', url: `/api/v1/documents/${id}`, headers: auth() });
    expect(response.statusCode).toBe(204);
  }

  async function storedRows(documentId: string) {
    return rows<{ bytes: Uint8Array | null; file_sha256: string | null }>(
      t.database.db,
      sql`select bytes, file_sha256 from document_files where document_id = ${documentId}`,
    );
  }

  const mode = (target: string) => statSync(target).mode & 0o777;

  it('a Korean and an English upload are stored as private files, indexed, and answered from', async () => {
    const korean = await upload('출장-규정.md', KOREAN, { collection: '총무' });
    const english = await upload('parking.md', ENGLISH, { collection: 'facilities' });
    expect(korean.statusCode).toBe(202);
    expect(english.statusCode).toBe(202);
    await t.queue.drain();

    for (const [response, text] of [
      [korean, KOREAN],
      [english, ENGLISH],
    ] as const) {
      const { document } = response.json() as { document: { id: string; sha256: string } };
      const sha256 = sha256Hex(new TextEncoder().encode(text));
      expect(document.sha256).toBe(sha256);
      // The row names the file; the bytes are not in the database.
      expect(await storedRows(document.id)).toEqual([{ bytes: null, file_sha256: sha256 }]);
      expect(new TextDecoder().decode((await t.engine.files.read(sha256))!)).toBe(text);
      expect(mode(filePath(sha256))).toBe(0o600);
      expect(mode(path.dirname(filePath(sha256)))).toBe(0o700);
    }
    expect(mode(filesDir())).toBe(0o700);
    // Nothing half-received is left behind.
    expect(readdirSync(path.join(filesDir(), '.staging'))).toEqual([]);

    const daily = await ask('부장 일비는 얼마인가요?', '총무');
    expect(daily.answered).toBe(true);
    expect(daily.answer).toContain('7만원');
    const visitors = await ask('Where do visitors park?', 'facilities');
    expect(visitors.answered).toBe(true);
    expect(visitors.answer).toContain('B2');
  });

  it('deleting a document removes its file', async () => {
    const text = `${KOREAN}\n삭제될 문서입니다.`;
    const response = await upload('삭제-예정.md', text, { collection: '총무' });
    const { document } = response.json() as { document: { id: string } };
    await t.queue.drain();
    const target = filePath(sha256Hex(new TextEncoder().encode(text)));
    expect(existsSync(target)).toBe(true);
    await deleteDocument(document.id);
    expect(existsSync(target)).toBe(false);
  });

  it('the same bytes uploaded twice share one file, kept until the last document holding it goes', async () => {
    const text = `${ENGLISH}\nShared copy.`;
    const first = (await upload('shared-a.md', text, { collection: 'facilities' })).json();
    const second = (await upload('shared-b.md', text, { collection: 'facilities' })).json();
    expect(first.document.id).not.toBe(second.document.id);
    await t.queue.drain();
    const sha256 = sha256Hex(new TextEncoder().encode(text));
    expect((await t.engine.files.list()).filter((h) => h === sha256)).toHaveLength(1);

    await deleteDocument(first.document.id);
    expect(existsSync(filePath(sha256))).toBe(true);
    // The other document still reads it: re-indexing it works.
    await t.engine.documents.markFailed(second.document.id, 1, 'retry');
    expect(await t.engine.ingestor.ingest(second.document.id, 1)).toMatchObject({ status: 'ready' });

    await deleteDocument(second.document.id);
    expect(existsSync(filePath(sha256))).toBe(false);
  });

  it("a new version's file replaces the old one once it is indexed", async () => {
    const v1 = (await upload('연차.md', '# 연차\n연차는 15일입니다.', { collection: '총무' })).json();
    await t.queue.drain();
    const v2 = (await upload('연차.md', '# 연차\n연차는 20일입니다.', { collection: '총무' })).json();
    expect(v2).toMatchObject({ outcome: 'updated', document: { id: v1.document.id, version: 2 } });
    await t.queue.drain();
    expect(existsSync(filePath(v1.document.sha256))).toBe(false);
    expect(existsSync(filePath(v2.document.sha256))).toBe(true);
    expect(await storedRows(v1.document.id)).toEqual([{ bytes: null, file_sha256: v2.document.sha256 }]);
  });

  it('a refused upload keeps nothing: too large, or its row fails to commit after the file was written', async () => {
    const tooLarge = await upload('huge.md', 'x'.repeat(t.config.MAX_UPLOAD_BYTES + 1));
    expect(tooLarge.statusCode).toBe(413);
    expect(readdirSync(path.join(filesDir(), '.staging'))).toEqual([]);

    const before = await t.engine.files.list();
    await t.database.db.execute(sql`
      create function test_refuse_file() returns trigger language plpgsql as $$
      begin raise exception 'refused by test'; end $$`);
    await t.database.db.execute(sql`
      create trigger test_refuse_file before insert on document_files
      for each row execute function test_refuse_file()`);
    try {
      const refused = await upload('거부.md', '# 거부\n이 파일은 저장되지 않습니다.', { collection: '총무' });
      expect(refused.statusCode).toBe(500);
    } finally {
      await t.database.db.execute(sql`drop trigger test_refuse_file on document_files`);
      await t.database.db.execute(sql`drop function test_refuse_file()`);
    }
    expect(await t.engine.files.list()).toEqual(before);
    expect(readdirSync(path.join(filesDir(), '.staging'))).toEqual([]);
  });

  it('files a killed process left (renamed but never committed, or half received) are swept at start', async () => {
    const store = createDirectoryFileStore(filesDir());
    // A file renamed into place whose row never committed (the process died in between).
    const orphan = await store.receive(new TextEncoder().encode('고아 파일: 커밋되지 않은 업로드'));
    await store.keep(orphan);
    // A half-received upload of a process that has since exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const staged = path.join(filesDir(), '.staging', `${dead.stdout.toString()}-0123456789abcdef.part`);
    writeFileSync(staged, 'half an upload');
    const kept = await t.engine.files.list();
    expect(kept).toContain(orphan.sha256);

    // A new process on the same DATA_DIR and database.
    const restarted = await createEngine({
      config: t.config,
      logger: silentLogger,
      database: t.database,
      files: createFileStore(t.config),
    });
    // (Not closed: it shares the test's database, which closing an engine would close.)
    expect(existsSync(filePath(orphan.sha256))).toBe(false);
    expect(existsSync(staged)).toBe(false);
    // Files that documents name are untouched.
    expect((await restarted.files.list()).sort()).toEqual(kept.filter((h) => h !== orphan.sha256).sort());
  });

  it('a document whose bytes an older version stored in the database is still read and indexed', async () => {
    const text = '# 보안 규정\n\n사원증은 항상 패용해야 합니다. 분실 시 즉시 보안팀에 신고합니다.';
    const bytes = new TextEncoder().encode(text);
    const [collection] = await rows<{ id: string }>(
      t.database.db,
      sql`select id from collections where name = '총무'`,
    );
    const [doc] = await rows<{ id: string }>(
      t.database.db,
      sql`insert into documents (collection_id, source_key, title, filename, mime_type, size_bytes, sha256, version, status)
          values (${collection!.id}, 'legacy.md', '보안 규정', 'legacy.md', 'text/markdown', ${bytes.byteLength},
                  ${sha256Hex(bytes)}, 1, 'queued')
          returning id`,
    );
    await t.database.db.execute(
      sql`insert into document_files (document_id, version, bytes) values (${doc!.id}, 1, ${Buffer.from(bytes)})`,
    );
    expect(await t.engine.ingestor.ingest(doc!.id, 1)).toMatchObject({ status: 'ready' });
    const answer = await ask('사원증을 분실하면 어떻게 하나요?', '총무');
    expect(answer.answered).toBe(true);
    expect(answer.answer).toContain('보안팀');
  });

  it('two uploads of one key: the later one stays current even when its file is written first', async () => {
    const [collection] = await rows<{ id: string }>(
      t.database.db,
      sql`select id from collections where name = '총무'`,
    );
    const upload = (text: string) => {
      const bytes = new TextEncoder().encode(text);
      return t.engine.documents.upsertUpload({
        collectionId: collection!.id,
        sourceKey: '복리후생.md',
        title: '복리후생',
        filename: '복리후생.md',
        mimeType: 'text/markdown',
        bytes,
        sha256: sha256Hex(bytes),
        uploadedBy: null,
      });
    };
    // The earlier upload's file (8 MB) takes longer to write than the later one's.
    const earlier = `# 복리후생 (이전)\n${'식대는 하루 8천원입니다. '.repeat(300_000)}`;
    const later = '# 복리후생\n식대는 하루 1만원입니다.';
    const [first, second] = await Promise.all([upload(earlier), upload(later)]);
    expect(first.kind).toBe('created');
    expect(second.kind).toBe('updated');
    const current = await t.engine.documents.get(second.document.id);
    expect(current?.sha256).toBe(sha256Hex(new TextEncoder().encode(later)));
    await t.engine.documents.delete(second.document.id);
  });

  it('a document whose file was removed by hand fails with a reason instead of waiting for ever', async () => {
    const bytes = new TextEncoder().encode('# Lost\nThis file will be removed from the disk by hand.');
    const [collection] = await rows<{ id: string }>(
      t.database.db,
      sql`select id from collections where name = 'facilities'`,
    );
    // Stored without queueing its ingestion, so the file can go first.
    const { document } = await t.engine.documents.upsertUpload({
      collectionId: collection!.id,
      sourceKey: 'lost.md',
      title: 'Lost',
      filename: 'lost.md',
      mimeType: 'text/markdown',
      bytes,
      sha256: sha256Hex(bytes),
      uploadedBy: null,
    });
    expect(existsSync(filePath(document.sha256))).toBe(true);
    await t.engine.files.remove(document.sha256);
    expect(await t.engine.ingestor.ingest(document.id, 1)).toEqual({
      status: 'failed',
      error: 'The uploaded file is no longer stored on the server. Upload it again.',
    });
  });
});
