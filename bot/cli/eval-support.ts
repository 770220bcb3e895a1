/**
 * What the evaluation commands share (`npm run eval`, `npm run eval:answers`): reading a dataset's JSON
 * lines, percentiles, and ingesting a corpus through the product's own upload and ingestion code.
 */
import { readFileSync } from 'node:fs';
import { sha256Hex } from '#core';
import type { Engine } from '../../workers/engine.ts';
import { forEachConcurrently } from './pool.ts';

export interface BeirDoc {
  readonly _id: string;
  readonly title?: string;
  readonly text?: string;
}

export function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** The nearest-rank percentile `p` (0–1) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * Uploads every corpus document as a text file into `collectionId` and runs the ingestion job's own code on it,
 * with as many documents in flight as the in-process queue runs, so chunk writes are grouped as they are there.
 * Returns the stored document id → corpus `_id`, and how many failed.
 */
export async function ingestCorpus(
  engine: Engine,
  collectionId: string,
  corpus: readonly BeirDoc[],
  concurrency: number,
): Promise<{ corpusIdOf: Map<string, string>; failed: number; seconds: number }> {
  const started = performance.now();
  const corpusIdOf = new Map<string, string>();
  let failed = 0;
  let done = 0;
  await forEachConcurrently(corpus, concurrency, async (doc) => {
    const bytes = new TextEncoder().encode(doc.text ?? '');
    const upload = await engine.documents.upsertUpload({
      collectionId,
      sourceKey: doc._id,
      title: doc.title?.trim() || doc._id,
      filename: `${doc._id}.txt`,
      mimeType: 'text/plain',
      bytes,
      sha256: sha256Hex(bytes),
      uploadedBy: null,
    });
    corpusIdOf.set(upload.document.id, doc._id);
    const outcome = await engine.ingestor.ingest(upload.document.id, upload.document.version);
    if (outcome.status === 'failed') failed++;
    done++;
    if (done % 500 === 0 || done === corpus.length) {
      const seconds = (performance.now() - started) / 1000;
      progress(`ingested ${done}/${corpus.length} documents (${seconds.toFixed(1)} s)`);
    }
  });
  return { corpusIdOf, failed, seconds: (performance.now() - started) / 1000 };
}
