/**
 * The audit log names its targets: a document by its title, a collection by its name, a user by e-mail,
 * in Korean as written, and a target deleted since by the name its event recorded.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp, gqlOk, issueToken } from './support/admin.ts';
import { createTestEngine, type TestEngine } from './support/engine.ts';
import { multipartBody } from './support/multipart.ts';

interface Event {
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetLabel: string | null;
}

describe('audit targets by name', () => {
  let t: TestEngine;
  let app: FastifyInstance;
  let admin: string;

  beforeAll(async () => {
    t = await createTestEngine();
    app = await buildAdminApp(t);
    admin = await issueToken(t.database.db, t.admin.userId);
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  async function events(): Promise<Event[]> {
    const data = await gqlOk<{ auditEvents: { nodes: Event[] } }>(
      app,
      '{ auditEvents(first: 100) { nodes { action targetType targetId targetLabel } } }',
      {},
      admin,
    );
    return data.auditEvents.nodes;
  }

  it('shows the collection, the user and the document by name, also after the document is deleted', async () => {
    const collection = await gqlOk<{ createCollection: { id: string } }>(
      app,
      'mutation { createCollection(name: "인사 규정", everyone: true) { id } }',
      {},
      admin,
    );
    const user = await gqlOk<{ createUser: { id: string } }>(
      app,
      'mutation { createUser(email: "minji.kim@example.com", name: "김민지", role: member) { id } }',
      {},
      admin,
    );
    const body = multipartBody({ collection: '인사 규정', title: '연차 휴가 안내' }, [
      {
        filename: 'leave.md',
        contentType: 'text/markdown',
        content: '# 연차\n\n모든 직원은 연 15일의 연차를 받습니다.\n',
      },
    ]);
    const upload = await app.inject({
      method: 'POST',
      url: '/api/v1/documents',
      payload: body.payload,
      headers: { ...body.headers, authorization: `Bearer ${t.adminKey}` },
    });
    expect(upload.statusCode, upload.body).toBeLessThan(300);
    const documentId = (upload.json() as { document: { id: string } }).document.id;
    await t.queue.drain();

    const before = await events();
    const named = (type: string, id: string) =>
      before.find((event) => event.targetType === type && event.targetId === id)?.targetLabel;
    expect(named('collection', collection.createCollection.id)).toBe('인사 규정');
    expect(named('user', user.createUser.id)).toBe('minji.kim@example.com');
    // The upload's event records no title: the name comes from the document as it is now.
    expect(named('document', documentId)).toBe('연차 휴가 안내');

    await gqlOk(app, 'mutation($id: ID!) { deleteDocument(id: $id) }', { id: documentId }, admin);
    const after = await events();
    const deleted = after.find(
      (event) => event.action === 'document.delete' && event.targetId === documentId,
    );
    expect(deleted?.targetLabel).toBe('연차 휴가 안내');
  });
});
