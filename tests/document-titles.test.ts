/**
 * A document uploaded without a title is named by its own title once read (a DOCX's File → Properties
 * title, an HTML <title>, a Markdown document's first heading), not by its file name; a title the uploader
 * typed is kept, and a file that names no title keeps the one from its name. Korean throughout.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocx, docx } from '../core/ingest/fixtures/docx-builder.ts';
import { buildAdminApp } from './support/admin.ts';
import { createTestEngine, type TestEngine } from './support/engine.ts';
import { multipartBody } from './support/multipart.ts';

describe('document titles', () => {
  let t: TestEngine;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await createTestEngine();
    app = await buildAdminApp(t);
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  /** Uploads through the REST API as the console does, waits for indexing, returns the stored title. */
  async function upload(filename: string, contentType: string, content: string | Uint8Array, title?: string) {
    const body = multipartBody(title ? { title } : {}, [{ filename, contentType, content }]);
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/documents',
      payload: body.payload,
      headers: { ...body.headers, authorization: `Bearer ${t.adminKey}` },
    });
    expect(response.statusCode, response.body).toBe(202);
    const id = (response.json() as { document: { id: string } }).document.id;
    await t.queue.drain();
    const stored = await t.engine.documents.get(id);
    expect(stored?.status).toBe('ready');
    return stored!.title;
  }

  it("takes a Word file's own title instead of its file name", async () => {
    const bytes = buildDocx([docx.paragraph('모든 직원은 연 15일의 연차를 받습니다.')], {
      propertiesTitle: '2024년 연차 휴가 규정',
    });
    const type = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    expect(await upload('hr_policy_v3.docx', type, bytes)).toBe('2024년 연차 휴가 규정');
  });

  it("takes an HTML page's <title> and a Markdown document's first heading", async () => {
    const html =
      '<html><head><title>출장비 정산 안내</title></head><body><p>영수증은 30일 안에 제출합니다.</p></body></html>';
    expect(await upload('expenses-page.html', 'text/html', html)).toBe('출장비 정산 안내');
    expect(
      await upload('notes_0412.md', 'text/markdown', '# 보안 교육 일정\n\n매년 4월에 진행합니다.\n'),
    ).toBe('보안 교육 일정');
  });

  it('keeps a title the uploader typed, and the file name when the file names no title', async () => {
    const markdown = '# 보안 교육 일정\n\n매년 4월에 진행합니다.\n';
    expect(await upload('training.md', 'text/markdown', markdown, '교육 안내(인사팀)')).toBe(
      '교육 안내(인사팀)',
    );
    expect(await upload('회의록_3월.txt', 'text/plain', '3월 회의에서 예산을 확정했습니다.\n')).toBe(
      '회의록 3월',
    );
  });

  it('keeps the file name over a placeholder a tool wrote as the title', async () => {
    for (const placeholder of ['about:blank', 'Untitled', '제목 없음', 'Microsoft Word - draft.docx']) {
      const html = `<html><head><title>${placeholder}</title></head><body><p>주차권은 1층 안내데스크에서 받습니다.</p></body></html>`;
      expect(await upload('주차_안내.html', 'text/html', html)).toBe('주차 안내');
    }
  });
});
