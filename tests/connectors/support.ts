/** Shared pieces of the connector tests: a source row, a run, and asking as a user. */
import { sql } from 'drizzle-orm';
import type { Principal, SourceRun } from '#core';
import { rows, schema } from '#db';
import type { TestEngine } from '../support/engine.ts';

export async function buildSource(
  t: TestEngine,
  input: { kind: string; collectionId: string; config: Record<string, unknown>; name?: string },
): Promise<string> {
  const [row] = await t.database.db
    .insert(schema.sources)
    .values({
      name: input.name ?? `source-${Math.random().toString(36).slice(2, 8)}`,
      kind: input.kind,
      collectionId: input.collectionId,
      config: input.config,
    })
    .returning();
  return row!.id;
}

/** Runs the source now, through the queue as "run now" does, and returns the run it recorded. */
export async function runSource(t: TestEngine, sourceId: string): Promise<SourceRun & { state: string }> {
  await t.queue.enqueue('sync-source', { sourceId, manual: true });
  await t.queue.drain();
  const [row] = await t.database.db.select().from(schema.sources).where(sql`id = ${sourceId}`);
  return { ...row!.lastRun!, state: row!.state };
}

export async function ask(t: TestEngine, principal: Principal, question: string) {
  return t.engine.ask.run({
    principal,
    question,
    conversation: { platform: 'api', channelId: null, threadId: null },
    scope: { userId: principal.userId },
  });
}

export async function documentsOf(t: TestEngine, sourceId: string) {
  return rows<{ id: string; source_key: string; title: string; source_url: string | null; status: string }>(
    t.database.db,
    sql`select id, source_key, title, source_url, status from documents where source_id = ${sourceId} order by source_key`,
  );
}
