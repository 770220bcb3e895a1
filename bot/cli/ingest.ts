/**
 * npm run ingest -- <file or folder>… [--collection NAME]
 * Uploads to the running server when there is one; otherwise ingests into the embedded database directly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AppError, type StoredDocument, sha256Hex, submitDocument, titleFromFilename } from '#core';
import { ensureCollection, findCollectionByName, GENERAL_COLLECTION } from '#db';
import { SUPPORTED_TYPES_LABEL } from '../../core/ingest/index.ts';
import { callApi, connect, fail } from './connect.ts';
import { collectFiles, type FileToIngest, mimeTypeOf } from './files.ts';
import { forEachConcurrently, UPLOADS_IN_FLIGHT } from './pool.ts';
import { createProgressBar } from './progress.ts';

const USAGE = 'Usage: npm run ingest -- <file or folder>… [--collection NAME]';

/** Documents whose status one polling round asks the server about (remote mode). */
const STATUS_CHECKS_PER_ROUND = 16;
/** Skipped files listed by name; past this, a count. */
const SKIPPED_SHOWN = 50;

interface Outcome {
  readonly file: FileToIngest;
  readonly status: 'ready' | 'failed' | 'unchanged';
  readonly chunks?: number;
  readonly error?: string;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { collection: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals.length === 0) fail(USAGE);
  const collectionName = values.collection?.trim() || GENERAL_COLLECTION;

  let collected: ReturnType<typeof collectFiles>;
  try {
    collected = collectFiles(positionals);
  } catch (error) {
    fail((error as Error).message);
  }
  const { files, skipped } = collected;
  if (skipped.length > 0) {
    // Each skipped file by name and why, so nobody has to guess which third of a folder went missing.
    const shown = skipped.slice(0, SKIPPED_SHOWN);
    const more = skipped.length - shown.length;
    process.stderr.write(
      `Skipping ${skipped.length} file(s):\n${shown.map((file) => `  ${file.path}: ${file.reason}\n`).join('')}${
        more > 0 ? `  … and ${more} more\n` : ''
      }`,
    );
  }
  if (files.length === 0) fail(`Nothing to ingest: no supported files (${SUPPORTED_TYPES_LABEL}) found.`);

  const bar = createProgressBar('Ingesting', files.length);
  const finished = new Map<string, Outcome>();
  const failed = new Set<string>();
  const track = (o: Outcome) => {
    finished.set(o.file.path, o);
    if (o.status === 'failed') failed.add(o.file.path);
    else failed.delete(o.file.path);
    bar.update(finished.size, failed.size ? `${failed.size} failed` : path.basename(o.file.path));
  };
  bar.update(0);

  // Live progress in local mode: each document reports when it is done or failed.
  const pending = new Map<string, FileToIngest>();
  let onSettled: (id: string) => void = () => {};
  const connection = await connect({
    onProgress: (id, progress) => {
      if (progress.stage === 'done' || progress.stage === 'failed') onSettled(id);
    },
  });
  const started = Date.now();
  if (connection.mode === 'remote') {
    await ingestRemote(connection, files, collectionName, track);
  } else {
    const db = connection.engine.database.db;
    let collection = await findCollectionByName(db, collectionName);
    if (!collection) {
      collection = (await ensureCollection(db, { name: collectionName, everyone: true })).collection;
      process.stderr.write(
        `Created collection "${collectionName}" (readable by everyone; restrict it in the console).\n`,
      );
    }
    onSettled = (id) => {
      const file = pending.get(id);
      if (!file) return;
      pending.delete(id);
      void connection.engine.documents.get(id).then((doc) => track(outcomeOf(file, doc)));
    };
    await forEachConcurrently(files, UPLOADS_IN_FLIGHT, async (file) => {
      const tooBig = file.size > connection.config.MAX_UPLOAD_BYTES;
      if (tooBig) {
        track({
          file,
          status: 'failed',
          error: `larger than the ${connection.config.MAX_UPLOAD_BYTES / 1024 / 1024} MB limit`,
        });
        return;
      }
      const bytes = readFileSync(file.path);
      const outcome = await submitDocument(
        { documents: connection.engine.documents, queue: connection.queue },
        {
          collectionId: collection.id,
          sourceKey: file.sourceKey,
          title: titleFromFilename(path.basename(file.path)),
          filename: path.basename(file.path),
          mimeType: mimeTypeOf(file.path),
          bytes,
          sha256: sha256Hex(bytes),
          uploadedBy: connection.principal.userId,
        },
      );
      if (outcome.kind === 'unchanged')
        track({ file, status: 'unchanged', chunks: outcome.document.chunkCount });
      else pending.set(outcome.document.id, file);
    });
    await waitLocal(connection, pending, track);
    await connection.close();
  }
  const outcomes = [...finished.values()];
  const count = (s: Outcome['status']) => outcomes.filter((o) => o.status === s).length;
  const chunks = outcomes.reduce((n, o) => n + (o.chunks ?? 0), 0);
  bar.finish(
    `Done in ${((Date.now() - started) / 1000).toFixed(1)}s: ${count('ready')} indexed, ${count('unchanged')} unchanged, ` +
      `${count('failed')} failed · ${plural(chunks, 'chunk')} in "${collectionName}".`,
  );
  for (const o of outcomes.filter((x) => x.status === 'failed')) {
    process.stderr.write(`  ✗ ${o.file.sourceKey}: ${o.error}\n`);
  }
  process.exitCode = count('failed') > 0 ? 2 : 0;
}

async function waitLocal(
  connection: Extract<Awaited<ReturnType<typeof connect>>, { mode: 'local' }>,
  pending: Map<string, FileToIngest>,
  track: (o: Outcome) => void,
): Promise<void> {
  await connection.queue.drain();
  for (const [id, file] of pending) {
    const doc = await connection.engine.documents.get(id);
    track(outcomeOf(file, doc));
  }
}

async function ingestRemote(
  connection: { url: string; apiKey: string },
  files: readonly FileToIngest[],
  collection: string,
  track: (o: Outcome) => void,
): Promise<void> {
  const pending = new Map<string, FileToIngest>();
  await forEachConcurrently(files, UPLOADS_IN_FLIGHT, async (file) => {
    const form = new FormData();
    form.set('collection', collection);
    form.set('sourceKey', file.sourceKey);
    form.set(
      'file',
      new Blob([readFileSync(file.path)], { type: mimeTypeOf(file.path) }),
      path.basename(file.path),
    );
    try {
      const response = await callApi(connection, '/api/v1/documents', { method: 'POST', body: form });
      const body = (await response.json()) as {
        outcome: string;
        document: { id: string; chunkCount: number };
      };
      if (body.outcome === 'unchanged')
        track({ file, status: 'unchanged', chunks: body.document.chunkCount });
      else pending.set(body.document.id, file);
    } catch (error) {
      track({ file, status: 'failed', error: (error as Error).message });
    }
  });
  // Jobs run roughly in upload order: each round asks about the oldest pending documents only, so a
  // folder of thousands of files costs a few requests per round, not thousands.
  while (pending.size > 0) {
    let settled = 0;
    for (const [id, file] of [...pending].slice(0, STATUS_CHECKS_PER_ROUND)) {
      const response = await callApi(connection, `/api/v1/documents/${id}`);
      const { document } = (await response.json()) as { document: StoredDocumentJson };
      if (document.status === 'ready' || document.status === 'failed') {
        pending.delete(id);
        settled++;
        track({
          file,
          status: document.status,
          chunks: document.chunkCount,
          ...(document.error ? { error: document.error } : {}),
        });
      }
    }
    if (settled === 0) await new Promise((r) => setTimeout(r, 300));
  }
}

type StoredDocumentJson = Pick<StoredDocument, 'status' | 'chunkCount' | 'error'>;

function outcomeOf(file: FileToIngest, doc: StoredDocument | null): Outcome {
  if (!doc) return { file, status: 'failed', error: 'document disappeared while ingesting' };
  if (doc.status === 'ready') return { file, status: 'ready', chunks: doc.chunkCount };
  return { file, status: 'failed', error: doc.error ?? `stopped while ${doc.status}` };
}

main().catch((error: unknown) => {
  fail(error instanceof AppError ? error.message : `Ingest failed: ${(error as Error).message}`);
});

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
