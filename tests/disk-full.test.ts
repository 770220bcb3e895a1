/**
 * Issue 12, finding 4: a write that hits a full disk. The database answers SQLSTATE 53100 (disk_full),
 * as PGlite did on a real 300 MB tmpfs filled to the last byte ("could not extend file …: No space left
 * on device"); here a trigger makes the real database raise that same error for uploads. The uploader
 * reads what happened and what to do, nothing is half-stored, questions are still answered, and the log
 * line carries neither the file's text nor its bytes.
 */
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '#db';
import { buildApp } from '../bot/app.ts';
import { toJobError } from '../workers/job-handlers.ts';
import { createLogger } from '../workers/logger.ts';
import { buildCollection, createTestEngine, ingestText, type TestEngine } from './support/engine.ts';
import { multipartBody } from './support/multipart.ts';

let t: TestEngine;
let app: FastifyInstance;
const logged: string[] = [];
beforeAll(async () => {
  t = await createTestEngine({ MIN_FREE_DISK_MB: '0' });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logged.push(String(chunk));
      done();
    },
  });
  app = await buildApp({
    config: t.config,
    logger: createLogger({ LOG_LEVEL: 'info' }, 'ex-gpt', sink),
    database: t.database,
    ask: t.engine.ask,
    documents: t.engine.documents,
    queue: t.queue,
  });
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const SECRET_TEXT = '인사평가 비공개 기준: 등급별 인상률은 S 12%, A 8%입니다.';

async function diskFull(full: boolean): Promise<void> {
  if (full) {
    await t.database.db.execute(sql`
      create or replace function test_disk_full() returns trigger language plpgsql as $$
      begin
        raise exception using errcode = '53100', hint = 'Check free disk space.',
          message = 'could not extend file "base/5/16929": No space left on device';
      end $$`);
    await t.database.db.execute(sql`
      create trigger test_disk_full before insert on document_files
      for each row execute function test_disk_full()`);
  } else {
    await t.database.db.execute(sql`drop trigger if exists test_disk_full on document_files`);
  }
}

async function upload(filename: string, content: string) {
  const body = multipartBody({ collection: '인사' }, [{ filename, contentType: 'text/markdown', content }]);
  return app.inject({
    method: 'POST',
    url: '/api/v1/documents',
    payload: body.payload,
    headers: { ...body.headers, authorization: `Bearer ${t.adminKey}` },
  });
}

describe('a full disk', () => {
  it('refuses the upload with what to do, keeps answering, and logs no document text', async () => {
    const collection = await buildCollection(t, { everyone: true, name: '인사' });
    await ingestText(t, {
      collectionId: collection.id,
      filename: '휴가.md',
      text: '# 연차 휴가\n직원은 입사 1년 후 15일의 연차 휴가를 받습니다.',
    });
    const count = async () =>
      (await rows<{ n: number }>(t.database.db, sql`select count(*)::int as n from documents`))[0]?.n;
    const before = await count();

    await diskFull(true);
    const refused = await upload('평가기준.md', `# 평가 기준\n${SECRET_TEXT.repeat(50)}`);
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/^The server's disk is full, so this could not be saved\. Nothing/),
    });
    expect(await count()).toBe(before);

    const answer = await app.inject({
      method: 'POST',
      url: '/api/v1/ask',
      headers: { authorization: `Bearer ${t.adminKey}` },
      payload: { question: '연차 휴가는 며칠인가요?' },
    });
    expect(answer.statusCode).toBe(200);
    expect(JSON.stringify(answer.json())).toContain('15일');

    // The failure is logged with the database's own diagnosis, and without the file.
    const line = logged.find((entry) => entry.includes('request failed'));
    expect(line).toContain('53100');
    expect(line).toContain('No space left on device');
    expect(line).not.toContain('인사평가');
    expect(line).not.toContain('"params"');
    expect(line!.length).toBeLessThan(20_000);

    // Space freed: the same upload goes through.
    await diskFull(false);
    const accepted = await upload('평가기준.md', `# 평가 기준\n${SECRET_TEXT}`);
    expect(accepted.statusCode).toBe(202);
  });

  it('fails an indexing job with the same reason, to be retried, not as an unreadable file', async () => {
    const cause = Object.assign(new Error('could not extend file "base/5/1": No space left on device'), {
      code: '53100',
    });
    const wrapped = Object.assign(new Error(`Failed query: insert into chunks\nparams: ${SECRET_TEXT}`), {
      cause,
    });
    const reason = toJobError(wrapped);
    expect(reason.message).toMatch(/^The server's disk is full/);
    expect(reason.message).not.toContain('인사평가');
    expect((reason as { code?: string }).code).toBe('unavailable');
  });
});
