/** Test factories: a fresh in-memory database and engine per test file, and builders with overrides. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import {
  type Config,
  type Logger,
  loadConfig,
  type Principal,
  type ProgressListener,
  sha256Hex,
  submitDocument,
} from '#core';
import {
  bootstrapDatabase,
  createApiKey,
  createUser,
  type Database,
  ensureCollection,
  findUserByEmail,
  schema,
  toPrincipal,
} from '#db';
import { mimeTypeOf } from '../../bot/cli/files.ts';
import { createEngine, createFileStore, type Engine, type EngineOptions } from '../../workers/engine.ts';
import { createInProcessQueue, type InProcessQueue } from '../../workers/in-process-queue.ts';
import { type DatabaseKind, openTestDatabase } from './databases.ts';

export const silentLogger: Logger = pino({ level: 'silent' });

export interface TestEngine {
  readonly config: Config;
  readonly database: Database;
  readonly engine: Engine;
  readonly queue: InProcessQueue;
  readonly admin: Principal;
  readonly adminKey: string;
  close(): Promise<void>;
}

export async function createTestEngine(
  env: Record<string, string> = {},
  options: {
    database?: Database;
    databaseKind?: DatabaseKind;
    onProgress?: ProgressListener;
    connectorHttp?: EngineOptions['connectorHttp'];
  } = {},
): Promise<TestEngine> {
  const database = options.database ?? (await openTestDatabase(options.databaseKind ?? 'pglite'));
  // As the product stores uploads: files in DATA_DIR/files beside PGlite (a fresh directory per engine),
  // in the rows with PostgreSQL.
  const ownDataDir =
    database.kind === 'pglite' && !env.DATA_DIR ? mkdtempSync(path.join(tmpdir(), 'exgpt-test-data-')) : null;
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    SEED_SAMPLE_DOCS: 'false',
    ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}),
    ...(database.kind === 'postgres' && !env.DATABASE_URL
      ? { DATABASE_URL: (database as { url?: string }).url ?? 'postgres://localhost/test' }
      : {}),
    ...env,
  });
  const engine = await createEngine({
    config,
    logger: silentLogger,
    database,
    files: createFileStore(config),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.connectorHttp ? { connectorHttp: options.connectorHttp } : {}),
  });
  const boot = await bootstrapDatabase(database.db, {
    adminEmail: 'admin@example.com',
    adminPassword: 'admin-password-123',
  });
  const adminRow = await findUserByEmail(database.db, 'admin@example.com');
  const queue = createInProcessQueue({
    handlers: engine.handlers,
    logger: silentLogger,
    concurrency: 2,
    backoffMs: 20,
  });
  return {
    config,
    database,
    engine,
    queue,
    admin: toPrincipal(adminRow!),
    adminKey: boot.cliApiKey!,
    async close() {
      await queue.close();
      await engine.close();
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}

export async function buildUser(
  t: TestEngine,
  overrides: { email?: string; role?: Principal['role']; groups?: readonly string[] } = {},
): Promise<Principal & { apiKey: string }> {
  const db = t.database.db;
  const user = await createUser(db, {
    email: overrides.email ?? `user-${randomUUID().slice(0, 8)}@example.com`,
    role: overrides.role ?? 'member',
  });
  for (const groupName of overrides.groups ?? []) {
    const [group] = await db
      .insert(schema.groups)
      .values({ name: groupName })
      .onConflictDoUpdate({ target: schema.groups.name, set: { name: groupName } })
      .returning();
    await db.insert(schema.memberships).values({ userId: user.id, groupId: group!.id }).onConflictDoNothing();
  }
  const key = await createApiKey(db, { userId: user.id, name: 'test', scopes: ['ask', 'ingest'] });
  return { ...toPrincipal(user), apiKey: key.key };
}

/** A collection readable by everyone, or only by the named groups (created when missing). */
export async function buildCollection(
  t: TestEngine,
  overrides: { name?: string; everyone?: boolean; readers?: readonly string[] } = {},
): Promise<{ id: string; name: string }> {
  const db = t.database.db;
  const readerGroupIds: string[] = [];
  for (const groupName of overrides.readers ?? []) {
    const [group] = await db
      .insert(schema.groups)
      .values({ name: groupName })
      .onConflictDoUpdate({ target: schema.groups.name, set: { name: groupName } })
      .returning();
    readerGroupIds.push(group!.id);
  }
  const { collection } = await ensureCollection(db, {
    name: overrides.name ?? `collection-${randomUUID().slice(0, 8)}`,
    everyone: overrides.everyone ?? overrides.readers === undefined,
    readerGroupIds,
  });
  return collection;
}

/** Uploads text as a file and waits for ingestion to finish. */
export async function ingestText(
  t: TestEngine,
  input: {
    collectionId: string;
    filename: string;
    text: string | Uint8Array;
    sourceKey?: string;
    title?: string;
  },
) {
  const bytes = typeof input.text === 'string' ? new TextEncoder().encode(input.text) : input.text;
  const outcome = await submitDocument(
    { documents: t.engine.documents, queue: t.queue },
    {
      collectionId: input.collectionId,
      sourceKey: input.sourceKey ?? input.filename,
      title: input.title ?? input.filename.replace(/\.[^.]+$/, ''),
      filename: input.filename,
      mimeType: mimeTypeOf(input.filename),
      bytes,
      sha256: sha256Hex(bytes),
      uploadedBy: t.admin.userId,
    },
  );
  await t.queue.drain();
  const document = await t.engine.documents.get(outcome.document.id);
  return { outcome: outcome.kind, document: document! };
}
