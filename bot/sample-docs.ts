import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DocumentRepository, type JobQueue, type Logger, sha256Hex, submitDocument } from '#core';
import { type Db, ensureCollection } from '#db';

export const SAMPLE_COLLECTION = 'ex-gpt-guide';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The project's own guide, so that the very first question has something to answer from. */
export function sampleDocumentPaths(): string[] {
  const docs = path.join(root, 'docs');
  const guide = readdirSync(docs)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => path.join(docs, f));
  return [path.join(root, 'README.md'), ...guide];
}

export async function seedSampleDocuments(deps: {
  db: Db;
  documents: DocumentRepository;
  queue: JobQueue;
  logger: Logger;
}): Promise<number> {
  const { collection } = await ensureCollection(deps.db, {
    name: SAMPLE_COLLECTION,
    everyone: true,
    description: "ex-GPT's own guide, indexed on first start. Delete it whenever you like.",
  });
  let queued = 0;
  for (const file of sampleDocumentPaths()) {
    const bytes = readFileSync(file);
    const outcome = await submitDocument(deps, {
      collectionId: collection.id,
      sourceKey: path.relative(root, file),
      title: path.basename(file) === 'README.md' ? 'ex-GPT README' : titleOf(bytes.toString('utf8'), file),
      filename: path.basename(file),
      mimeType: 'text/markdown',
      bytes,
      sha256: sha256Hex(bytes),
      uploadedBy: null,
    });
    if (outcome.kind !== 'unchanged') queued += 1;
  }
  deps.logger.info({ collection: SAMPLE_COLLECTION, queued }, 'sample documents queued');
  return queued;
}

function titleOf(markdown: string, file: string): string {
  const heading = /^#\s+(.+)$/m.exec(markdown);
  return heading?.[1]?.trim() ?? path.basename(file, '.md');
}
