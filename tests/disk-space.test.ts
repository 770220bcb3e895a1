/**
 * Issue 12, finding 4: while the disk holding DATA_DIR is nearly full, uploads are refused with a reason
 * (nothing half-stored) and questions are still answered.
 */
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '#db';
import { buildApp } from '../bot/app.ts';
import { createDiskSpaceGuard } from '../bot/rest/disk-space.ts';
import { buildCollection, createTestEngine, ingestText, type TestEngine } from './support/engine.ts';
import { multipartBody } from './support/multipart.ts';

let t: TestEngine;
let app: FastifyInstance;
beforeAll(async () => {
  // More free space than any test machine has (10 TB): the disk counts as nearly full.
  t = await createTestEngine({ MIN_FREE_DISK_MB: '10000000' });
  app = await buildApp({
    config: t.config,
    logger: t.engine.logger,
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

describe('a nearly full disk', () => {
  it('refuses uploads with a reason, stores nothing, and keeps answering questions', async () => {
    const collection = await buildCollection(t, { everyone: true, name: '인사' });
    await ingestText(t, {
      collectionId: collection.id,
      filename: '휴가.md',
      text: '# 연차 휴가\n직원은 입사 1년 후 15일의 연차 휴가를 받습니다.',
    });
    const [before] = await rows<{ n: number }>(t.database.db, sql`select count(*)::int as n from documents`);

    const body = multipartBody({ collection: '인사' }, [
      { filename: '보안.md', contentType: 'text/markdown', content: '# 보안\n비밀번호는 90일마다 바꿉니다.' },
    ]);
    const refused = await app.inject({
      method: 'POST',
      url: '/api/v1/documents',
      payload: body.payload,
      headers: { ...body.headers, authorization: `Bearer ${t.adminKey}` },
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.message).toMatch(
      /^Uploads are paused: the server is low on disk space \([\d,]+ MB free, 10,000,000 MB needed\)\./,
    );
    const [after] = await rows<{ n: number }>(t.database.db, sql`select count(*)::int as n from documents`);
    expect(after?.n).toBe(before?.n);

    const answer = await app.inject({
      method: 'POST',
      url: '/api/v1/ask',
      headers: { authorization: `Bearer ${t.adminKey}` },
      payload: { question: '연차 휴가는 며칠인가요?' },
    });
    expect(answer.statusCode).toBe(200);
    expect(JSON.stringify(answer.json())).toContain('15일');
  });

  it('lets uploads through again once space is freed', async () => {
    let free = 10 * 2 ** 20;
    const guard = createDiskSpaceGuard({
      dir: '/nonexistent/데이터',
      minFreeBytes: 512 * 2 ** 20,
      freeBytes: async () => free,
    });
    await expect(guard()).rejects.toThrow(/10 MB free, 512 MB needed/);
    free = 4 * 2 ** 30;
    await expect(guard()).resolves.toBeUndefined();
  });

  it('measures a DATA_DIR that does not exist yet on the disk that will hold it', async () => {
    const guard = createDiskSpaceGuard({ dir: '/tmp/없는/디렉터리/data', minFreeBytes: 1 });
    await expect(guard()).resolves.toBeUndefined();
  });
});
