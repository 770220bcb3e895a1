/**
 * A worker thread of workers/analysis-pool.ts: analyses one file at a time (parse → chunk → BM25 terms,
 * and the local embedder's vectors when it is the one ingesting) and posts the chunks back. Unusable
 * files come back as `unprocessable` with the message the uploader sees; anything else as a plain
 * failure, which the job queue retries.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { embedAllLocally, localEmbedderModel } from '../core/embedding/local-embedder.ts';
import { isAppError } from '../core/errors.ts';
import { analyzeFile } from '../core/ingest/analyze-file.ts';
import { tesseractFor } from '../core/ingest/ocr-tesseract.ts';
import { createTokenCounter } from '../core/ingest/tokens.ts';
import type { AnalysisReply, AnalysisRequest, AnalysisThreadSettings } from './analysis-pool.ts';

const port = parentPort;
if (!port) throw new Error('analysis-thread.ts runs as a worker thread of workers/analysis-pool.ts');
const counter = createTokenCounter();
// Scanned PDF pages are read by Tesseract, a child process per page, within this thread's time limit.
const settings = workerData as AnalysisThreadSettings;
const parsing = {
  ocr: tesseractFor(settings.ocrLanguages, settings.timeoutMs),
  timeoutMs: settings.timeoutMs,
};

// One file at a time, in the order posted: the pool times each from its 'started'.
let previous: Promise<void> = Promise.resolve();
port.on('message', (request: AnalysisRequest) => {
  previous = previous.then(() => analyze(request));
});

async function analyze({ id, file }: AnalysisRequest): Promise<void> {
  const reply = (message: AnalysisReply) => port?.postMessage(message);
  reply({ id, stage: 'started' });
  try {
    const analyzed = await analyzeFile(file, counter, (stage) => reply({ id, stage }), parsing);
    const dimensions = settings.localEmbeddingDimensions;
    if (dimensions === null || analyzed.chunks.length > (file.maxChunks ?? Number.POSITIVE_INFINITY)) {
      reply({ id, analyzed });
      return;
    }
    reply({ id, stage: 'embedding' });
    const vectors = embedAllLocally(
      analyzed.chunks.map((chunk) => chunk.indexText),
      dimensions,
    );
    // Moved, not copied: 12k chunks' vectors are 37 MB.
    port?.postMessage(
      {
        id,
        analyzed: { ...analyzed, embedding: { model: localEmbedderModel(dimensions), dimensions, vectors } },
      } satisfies AnalysisReply,
      [vectors.buffer as ArrayBuffer],
    );
  } catch (error) {
    const unprocessable = isAppError(error) && error.code === 'unprocessable_document';
    reply({
      id,
      failure: { unprocessable, message: error instanceof Error ? error.message : String(error) },
    });
  }
}
