/**
 * Wires the engine that both processes share: database, repositories, embedder, ingestion and the
 * job handlers. `bot/main.ts` and `workers/main.ts` are the composition roots; this is their common part.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  type ChunkSearch,
  type Config,
  createSecretBox,
  type DocumentRepository,
  type Embedder,
  type FileAnalyzer,
  type FileStore,
  LEXICAL_ANALYSIS_VERSION,
  type Logger,
  withLegacyQueryTerms,
} from '#core';
import {
  createChunkSearch,
  createConversationStore,
  createDatabaseFileStore,
  createDirectoryFileStore,
  createDocumentRepository,
  type Database,
  type EmbeddingModelRow,
  ensureEmbeddingModel,
  getActiveEmbeddingModel,
  hasStaleLexicalChunks,
  openDatabase,
  vacuumChunkIndex,
} from '#db';
import { createAnswerer, createCondenser } from '../core/answer/index.ts';
import { type Ask, createAsk } from '../core/ask.ts';
import { createLocalEmbedder } from '../core/embedding/local-embedder.ts';
import { createOpenAiEmbedder } from '../core/embedding/openai-embedder.ts';
import { createInThreadAnalyzer } from '../core/ingest/analyze-file.ts';
import { createTokenCounter } from '../core/ingest/index.ts';
import { tesseractFor } from '../core/ingest/ocr-tesseract.ts';
import {
  createDocumentIngestor,
  type DocumentIngestor,
  type ProgressListener,
} from '../core/ingest-document.ts';
import { analyzeQuery } from '../core/retrieval/analyzer.ts';
import {
  createHybridRetriever,
  type HybridRetriever,
  localEmbedderVectorWeight,
} from '../core/retrieval/hybrid-retriever.ts';
import { createSourceStore } from '../db/sources.ts';
import { createAnalysisPool } from './analysis-pool.ts';
import { type ConnectorLimits, createConnectorFactory } from './connectors/index.ts';
import type { SyncSourceDeps } from './connectors/sync-source.job.ts';
import {
  createJobFailureRecorder,
  createJobHandlers,
  type JobFailureHandler,
  type JobHandlers,
} from './job-handlers.ts';

export interface Engine {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly documents: DocumentRepository;
  /** Where uploaded bytes are kept (uploads stream into it: bot/rest/documents-route.ts). */
  readonly files: FileStore;
  readonly embedder: Embedder;
  readonly ingestor: DocumentIngestor;
  readonly handlers: JobHandlers;
  /** Records a job's final failure on what it was about (a document's ingestion marks it failed). */
  readonly onJobFailed: JobFailureHandler;
  readonly ask: Ask;
  /** What `ask` retrieves with: the active embedding model's vectors plus BM25. */
  readonly retriever: HybridRetriever;
  close(): Promise<void>;
}

/** The local embedder's size when EMBEDDING_DIMENSIONS is unset (see core/config.ts). */
export const LOCAL_EMBEDDING_DIMENSIONS = 384;

export function createEmbedder(config: Config, logger: Logger): Embedder {
  if (config.EMBEDDING_MODEL === 'local')
    return createLocalEmbedder({ dimensions: config.EMBEDDING_DIMENSIONS ?? LOCAL_EMBEDDING_DIMENSIONS });
  return createOpenAiEmbedder({
    baseUrl: config.OPENAI_BASE_URL,
    apiKey: config.OPENAI_API_KEY,
    model: config.EMBEDDING_MODEL,
    dimensions: config.EMBEDDING_DIMENSIONS,
    batchSize: config.EMBEDDING_BATCH_SIZE,
    logger,
  });
}

/**
 * An embedder for a registered model that need not be the configured one: the active model while a new
 * one is being built, or the model a re-embed job fills. The local embedder is recognised by its name.
 */
export function createEmbedderForModel(
  config: Config,
  logger: Logger,
  model: Pick<EmbeddingModelRow, 'name' | 'dimensions'>,
): Embedder {
  const configured = createEmbedder(config, logger);
  if (configured.model === model.name) return configured;
  if (model.dimensions >= 16 && model.dimensions <= 2000) {
    const local = createLocalEmbedder({ dimensions: model.dimensions });
    if (local.model === model.name) return local;
  }
  // `openai:<model>` or `openai:<model>@<dimensions>` (see openai-embedder.ts): the server's own name back.
  const remote = /^openai:(.+?)(?:@(\d+))?$/.exec(model.name);
  return createOpenAiEmbedder({
    baseUrl: config.OPENAI_BASE_URL,
    apiKey: config.OPENAI_API_KEY,
    model: remote?.[1] ?? model.name,
    dimensions: remote?.[2] ? Number(remote[2]) : remote ? undefined : model.dimensions,
    batchSize: config.EMBEDDING_BATCH_SIZE,
    logger,
  });
}

/** The embedded default embedder (core/embedding/local-embedder.ts), by its model name. */
export function isLocalEmbedder(embedder: Embedder): boolean {
  return embedder.model.startsWith('local-hash-');
}

/** How often a process looks again whether old-analysis chunks remain, while some do. */
const LEXICAL_RECHECK_MS = 5000;

/** The current analysis's terms plus those the previous one stored for the question's CJK words. */
const analyzeQueryDuringReindex = (question: string) =>
  withLegacyQueryTerms(analyzeQuery(question), question);

/**
 * Questions are embedded with the ACTIVE model and searched in its vectors: while a new model is being
 * built (reembed-all) answers keep using the previous one, and switch when it is activated. Likewise,
 * while reindex-lexical is still moving chunks to the current text analysis, BM25 also searches with
 * the old analysis's terms.
 */
function createActiveModelRetriever(options: {
  readonly database: Database;
  readonly search: ChunkSearch;
  readonly embedderFor: (model: EmbeddingModelRow) => Embedder;
  readonly fallback: Embedder;
}): HybridRetriever {
  const byModel = new Map<string, HybridRetriever>();
  const retrieverFor = (embedder: Embedder, legacy: boolean) => {
    const key = `${legacy ? 'legacy:' : ''}${embedder.model}`;
    let retriever = byModel.get(key);
    if (!retriever) {
      retriever = createHybridRetriever({
        search: options.search,
        embedder,
        ...(legacy ? { analyze: analyzeQueryDuringReindex } : {}),
        ...(isLocalEmbedder(embedder) ? { vectorWeightFor: localEmbedderVectorWeight } : {}),
      });
      byModel.set(key, retriever);
    }
    return retriever;
  };
  // New chunks are always written by the current analysis: once none is old, none will be again.
  let lexicalCurrent = false;
  let lexicalCheckedAt = Number.NEGATIVE_INFINITY;
  const staleLexical = async (): Promise<boolean> => {
    if (lexicalCurrent) return false;
    if (performance.now() - lexicalCheckedAt >= LEXICAL_RECHECK_MS) {
      lexicalCurrent = !(await hasStaleLexicalChunks(options.database.db, LEXICAL_ANALYSIS_VERSION));
      lexicalCheckedAt = performance.now();
    }
    return !lexicalCurrent;
  };
  return {
    async retrieve(question, scope, retrieveOptions) {
      const active = await getActiveEmbeddingModel(options.database.db);
      const embedder =
        !active || active.name === options.fallback.model ? options.fallback : options.embedderFor(active);
      return retrieverFor(embedder, await staleLexical()).retrieve(question, scope, retrieveOptions);
    },
  };
}

/**
 * Worker threads for parsing (INGEST_THREADS; unset: one core is left to the database and HTTP), which
 * also embed the chunks when the local embedder ingests. INGEST_THREADS=0: all of it in the job's thread.
 */
function createFileAnalyzer(config: Config, logger: Logger, embedder: Embedder): FileAnalyzer {
  const threads = config.INGEST_THREADS ?? Math.min(4, Math.max(1, availableParallelism() - 1));
  const ocrLanguages = config.OCR_LANGUAGES === '' ? null : config.OCR_LANGUAGES;
  if (threads === 0) {
    return createInThreadAnalyzer(createTokenCounter(), {
      ocr: tesseractFor(ocrLanguages, config.PARSE_TIMEOUT_MS),
      timeoutMs: config.PARSE_TIMEOUT_MS,
    });
  }
  return createAnalysisPool({
    threads,
    timeoutMs: config.PARSE_TIMEOUT_MS,
    maxMemoryMb: config.PARSE_MEMORY_MB,
    logger,
    ocrLanguages,
    localEmbeddingDimensions: isLocalEmbedder(embedder) ? embedder.dimensions : null,
  });
}

/**
 * Uploaded files: in DATA_DIR/files beside the embedded database (workers in Redis mode share DATA_DIR on
 * the same host), in the database's rows with DATABASE_URL (workers may run on other hosts).
 */
export function createFileStore(config: Config): FileStore {
  return config.DATABASE_URL
    ? createDatabaseFileStore()
    : createDirectoryFileStore(path.join(path.resolve(config.DATA_DIR), 'files'));
}

export interface EngineOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** An already open database (tests); otherwise one is opened from the config. */
  readonly database?: Database;
  /**
   * Where uploaded bytes go. Default: createFileStore(config) when the engine opens the database itself,
   * the database's rows when given one (a throwaway in-memory database must not write into DATA_DIR).
   */
  readonly files?: FileStore;
  readonly onProgress?: ProgressListener;
  readonly documentLink?: (documentId: string) => string | null;
  /** Overrides of the connectors' HTTP behaviour (tests: no real waits between retries). */
  readonly connectorHttp?: ConnectorLimits['http'];
  readonly onSourceRun?: SyncSourceDeps['onRunProgress'];
}

export async function createEngine(options: EngineOptions): Promise<Engine> {
  const { config, logger } = options;
  const database =
    options.database ??
    (await openDatabase({
      url: config.DATABASE_URL,
      dataDir: path.resolve(config.DATA_DIR),
      poolSize: config.DATABASE_POOL_SIZE,
    }));
  const embedder = createEmbedder(config, logger);
  await ensureEmbeddingModel(database.db, { model: embedder.model, dimensions: embedder.dimensions });

  const files = options.files ?? (options.database ? createDatabaseFileStore() : createFileStore(config));
  const documents = createDocumentRepository(database.db, {
    writeClock: database.kind === 'pglite' ? 'thread-cpu' : 'wall',
    files,
    writer: database.background,
  });
  // Files a crash left between their write and their row's commit, and half-received uploads.
  const swept = await documents.reclaimFiles();
  if (swept > 0) logger.info({ files: swept }, 'removed stored files no document names');
  const analyzer = createFileAnalyzer(config, logger, embedder);
  const baseIngestor = createDocumentIngestor(
    {
      documents,
      embedder,
      analyzer,
      logger,
      maxBytes: config.MAX_UPLOAD_BYTES,
      chunkTokens: config.CHUNK_TOKENS,
      chunkOverlapTokens: config.CHUNK_OVERLAP_TOKENS,
      embeddingBatchSize: config.EMBEDDING_BATCH_SIZE,
      maxChunks: config.MAX_DOCUMENT_CHUNKS,
    },
    options.onProgress,
  );
  // PGlite has no autovacuum: without visibility maps and statistics BM25 reads whole tables instead
  // of the covering index (p95 ~90 ms instead of ~26 ms at 100k chunks). Vacuum once ingestion goes quiet.
  let vacuumTimer: NodeJS.Timeout | null = null;
  const scheduleVacuum = () => {
    if (!database.embedded) return;
    if (vacuumTimer) clearTimeout(vacuumTimer);
    vacuumTimer = setTimeout(() => {
      vacuumTimer = null;
      vacuumChunkIndex(database.db).catch((error: unknown) => logger.warn({ err: error }, 'vacuum failed'));
    }, VACUUM_QUIET_MS);
    vacuumTimer.unref();
  };
  const ingestor: DocumentIngestor = {
    async ingest(documentId, version, signal) {
      const outcome = await baseIngestor.ingest(documentId, version, signal);
      if (outcome.status === 'ready') scheduleVacuum();
      return outcome;
    },
  };
  const embeddersByModel = new Map<string, Embedder>();
  const embedderFor = (model: EmbeddingModelRow): Embedder => {
    let found = embeddersByModel.get(model.name);
    if (!found) {
      found = createEmbedderForModel(config, logger, model);
      embeddersByModel.set(model.name, found);
    }
    return found;
  };
  const retriever = createActiveModelRetriever({
    database,
    search: createChunkSearch(database.db),
    embedderFor,
    fallback: embedder,
  });
  const ask = createAsk({
    retriever,
    answerer: createAnswerer(config, logger),
    condenser: createCondenser(config, logger),
    conversations: createConversationStore(database.db),
    logger,
    contextTokens: config.CONTEXT_TOKENS,
    ...(options.documentLink ? { documentLink: options.documentLink } : {}),
  });
  return {
    config,
    logger,
    database,
    documents,
    files,
    embedder,
    ingestor,
    handlers: createJobHandlers({
      ingestor,
      documents,
      logger,
      // Re-embedding and re-indexing rewrite the whole index: asks go first (see Database.background).
      db: database.background ?? database.db,
      embedderFor,
      batchSize: config.EMBEDDING_BATCH_SIZE,
      sync: {
        sources: createSourceStore(database.db),
        secrets: createSecretBox(config.CONNECTOR_SECRET_KEY),
        connectorFor: createConnectorFactory({
          maxBytes: config.MAX_UPLOAD_BYTES,
          maxPages: config.CONNECTOR_MAX_PAGES,
          graph: { apiUrl: config.MICROSOFT_GRAPH_URL, loginUrl: config.MICROSOFT_LOGIN_URL },
          ...(options.connectorHttp ? { http: options.connectorHttp } : {}),
        }),
        ...(options.onSourceRun ? { onRunProgress: options.onSourceRun } : {}),
      },
    }),
    onJobFailed: createJobFailureRecorder({ documents, logger }),
    ask,
    retriever,
    close: async () => {
      if (vacuumTimer) clearTimeout(vacuumTimer);
      await analyzer.close();
      await database.close();
    },
  };
}

/** How long ingestion must be idle before the embedded database is vacuumed. */
const VACUUM_QUIET_MS = 10_000;
