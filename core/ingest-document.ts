/**
 * The ingestion pipeline for one document version: parse → chunk → embed → store, with progress.
 * Idempotent: running it twice for the same version stores the same chunks once; a version that is
 * no longer current is skipped (a newer upload has its own job).
 */
import type { IngestProgress } from './domain.ts';
import { isAppError, UnprocessableDocumentError } from './errors.ts';
import { tooManyChunks } from './ingest/chunker.ts';
import { isFilenameTitle } from './ingest/title-from-filename.ts';
import type {
  AnalyzedFile,
  DocumentRepository,
  Embedder,
  FileAnalyzer,
  IndexedChunk,
  JobQueue,
  Logger,
  NewUpload,
  UploadOutcome,
} from './ports.ts';

/** How often a document's stored progress is updated while it is processed. */
const PROGRESS_WRITE_MS = 500;

export interface DocumentIngestorDeps {
  readonly documents: DocumentRepository;
  readonly embedder: Embedder;
  /** Parse → chunk → BM25 terms, in worker threads in the running product (workers/analysis-pool.ts). */
  readonly analyzer: FileAnalyzer;
  readonly logger: Logger;
  readonly maxBytes: number;
  readonly chunkTokens: number;
  readonly chunkOverlapTokens: number;
  readonly embeddingBatchSize: number;
  /** A document with more chunks is refused before it is embedded (default MAX_CHUNKS_PER_DOCUMENT). */
  readonly maxChunks?: number;
}

/**
 * The most chunks one document may have (MAX_DOCUMENT_CHUNKS): ~5.6M tokens at the default 350-token
 * chunks; a 5 MB CSV of UUID rows (~12k chunks) fits. Beyond this the index would be gigabytes and the
 * write many minutes, so such a file fails once, at once, with a reason to split it.
 */
export const MAX_CHUNKS_PER_DOCUMENT = 16_000;

export type IngestOutcome =
  | { readonly status: 'ready'; readonly chunks: number }
  | { readonly status: 'failed'; readonly error: string }
  | { readonly status: 'skipped'; readonly reason: 'missing' | 'stale' | 'already-indexed' };

export type ProgressListener = (documentId: string, progress: IngestProgress) => void;

export interface DocumentIngestor {
  /**
   * Unrecoverable input (corrupt, encrypted, empty, unsupported) is recorded on the document and
   * returned as `failed`; anything else (database or embedding endpoint down) is thrown, so the
   * job queue retries it.
   */
  ingest(documentId: string, version: number, signal?: AbortSignal): Promise<IngestOutcome>;
}

export function createDocumentIngestor(
  deps: DocumentIngestorDeps,
  onProgress?: ProgressListener,
): DocumentIngestor {
  const { documents, embedder, logger } = deps;

  /**
   * Live progress goes to the listener every time. The document row is written only once the job has
   * run for PROGRESS_WRITE_MS (a timer writes the latest stage even while a long parse reports nothing)
   * and then at most that often, so small documents, most of them, go from queued to ready with no write
   * in between, and a long one shows "processing" with its stage and percentage.
   */
  function progressReporter(documentId: string, log: Logger) {
    let latest: IngestProgress = { stage: 'parsing', percent: 0 };
    let lastWrite = performance.now();
    const write = async (progress: IngestProgress): Promise<void> => {
      lastWrite = performance.now();
      await documents.setProgress(documentId, progress);
    };
    const timer = setTimeout(() => {
      write(latest).catch((error: unknown) => log.warn({ err: error }, 'progress not recorded'));
    }, PROGRESS_WRITE_MS);
    timer.unref();
    return {
      async report(progress: IngestProgress): Promise<void> {
        latest = progress;
        onProgress?.(documentId, progress);
        if (performance.now() - lastWrite < PROGRESS_WRITE_MS) return;
        clearTimeout(timer);
        await write(progress);
      },
      stop: () => clearTimeout(timer),
    };
  }

  return {
    async ingest(documentId, version, signal) {
      const found = await documents.getWithFile(documentId);
      const doc = found?.document;
      if (!doc || doc.version !== version) return { status: 'skipped', reason: doc ? 'stale' : 'missing' };
      if (doc.status === 'ready' && doc.indexedVersion === version) {
        return { status: 'skipped', reason: 'already-indexed' };
      }
      const file = found.file;
      if (!file) {
        // The current version's file is gone (removed from DATA_DIR/files by hand, a partial restore):
        // no retry brings it back.
        const error = 'The uploaded file is no longer stored on the server. Upload it again.';
        await documents.markFailed(documentId, version, error);
        onProgress?.(documentId, { stage: 'failed', percent: 100 });
        return { status: 'failed', error };
      }
      const log = logger.child({ documentId, version });
      const progress = progressReporter(documentId, log);
      const report = progress.report;
      try {
        await report({ stage: 'parsing', percent: 5 });
        const analysis = await deps.analyzer.analyze(
          {
            bytes: file.bytes,
            filename: file.filename,
            mimeType: file.mimeType,
            title: doc.title,
            titleFromFilename: isFilenameTitle(doc.title, file.filename),
            maxBytes: deps.maxBytes,
            chunkTokens: deps.chunkTokens,
            chunkOverlapTokens: deps.chunkOverlapTokens,
            maxChunks: deps.maxChunks ?? MAX_CHUNKS_PER_DOCUMENT,
          },
          {
            signal,
            onStage: (stage) => {
              report({ stage, percent: stage === 'chunking' ? 15 : 20 }).catch((error: unknown) =>
                log.warn({ err: error }, 'progress not recorded'),
              );
            },
          },
        );
        const { chunks: analyzed, title: ownTitle } = analysis;
        const maxChunks = deps.maxChunks ?? MAX_CHUNKS_PER_DOCUMENT;
        // The analysis stops at the limit already; an analyzer that does not is held to it here.
        if (analyzed.length > maxChunks) throw tooManyChunks(maxChunks);
        const { embedding } = analysis;
        const vectors: number[][] = [];
        await report({ stage: 'embedding', percent: 20 });
        if (embedding?.model === embedder.model) {
          // Embedded where it was parsed (the local embedder in the parsing threads): only unpacked here.
          await unpackVectors(embedding, analyzed.length, vectors, signal);
        }
        const indexTexts = vectors.length === 0 ? analyzed.map((chunk) => chunk.indexText) : [];
        for (let i = 0; i < indexTexts.length; i += deps.embeddingBatchSize) {
          signal?.throwIfAborted();
          vectors.push(
            ...(await embedder.embedDocuments(indexTexts.slice(i, i + deps.embeddingBatchSize), signal)),
          );
          // A turn of the event loop between batches: embedding thousands of chunks must not hold HTTP.
          await new Promise((resolve) => setImmediate(resolve));
          const done = Math.min(i + deps.embeddingBatchSize, indexTexts.length) / indexTexts.length;
          await report({ stage: 'embedding', percent: Math.round(20 + 70 * done) });
        }

        await report({ stage: 'storing', percent: 95 });
        const chunks: IndexedChunk[] = analyzed.map(({ indexText: _, ...chunk }, i) => ({
          ...chunk,
          embedding: vectors[i]!,
        }));
        signal?.throwIfAborted();
        const stored = await documents.replaceChunks(documentId, version, embedder.model, chunks);
        if (stored === 'stale') return { status: 'skipped', reason: 'stale' };
        // The file's own title (PDF/DOCX/HWPX metadata, HTML <title>, a first heading) beats its name.
        if (ownTitle && ownTitle !== doc.title && isFilenameTitle(doc.title, file.filename)) {
          await documents.retitle(documentId, version, doc.title, ownTitle);
        }
        onProgress?.(documentId, { stage: 'done', percent: 100 });
        log.info({ chunks: chunks.length }, 'document indexed');
        return { status: 'ready', chunks: chunks.length };
      } catch (error) {
        if (isAppError(error) && error.code === 'unprocessable_document') {
          await documents.markFailed(documentId, version, error.message);
          onProgress?.(documentId, { stage: 'failed', percent: 100 });
          log.warn({ reason: error.message }, 'document failed');
          return { status: 'failed', error: error.message };
        }
        throw error;
      } finally {
        progress.stop();
      }
    },
  };
}

/** Vectors unpacked per slice of chunks, with a turn of the event loop between slices. */
const UNPACK_SLICE = 512;

/** The analyzer's packed vectors as one array per chunk, appended to `into`. */
async function unpackVectors(
  embedding: NonNullable<AnalyzedFile['embedding']>,
  count: number,
  into: number[][],
  signal: AbortSignal | undefined,
): Promise<void> {
  const { dimensions, vectors } = embedding;
  if (vectors.length !== count * dimensions) {
    throw new Error(`analysis returned ${vectors.length / dimensions} vectors for ${count} chunks`);
  }
  for (let i = 0; i < count; i++) {
    into.push(Array.from(vectors.subarray(i * dimensions, (i + 1) * dimensions)));
    if ((i + 1) % UNPACK_SLICE === 0) {
      signal?.throwIfAborted();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/**
 * Accepts a file: stores it (file and row in one transaction) and only then queues its ingestion,
 * so an accepted upload survives a crash between the two. Unchanged content is a no-op.
 */
export async function submitDocument(
  deps: { readonly documents: DocumentRepository; readonly queue: JobQueue },
  upload: NewUpload,
): Promise<UploadOutcome> {
  const outcome = await deps.documents.upsertUpload(upload);
  if (outcome.kind !== 'unchanged') {
    const { id, version } = outcome.document;
    await deps.queue.enqueue(
      'ingest-document',
      { documentId: id, version },
      { jobId: ingestJobId(id, version) },
    );
  }
  return outcome;
}

export function ingestJobId(documentId: string, version: number): string {
  return `ingest:${documentId}:${version}`;
}
