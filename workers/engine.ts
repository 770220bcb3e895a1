/**
 * Wires the engine that both processes share: database, repositories, embedder, ingestion and the
 * job handlers. `bot/main.ts` and `workers/main.ts` are the composition roots; this is their common part.
 */
import path from 'node:path';
import type { Config, Embedder, Logger } from '#core';
import { createAnswerer, createCondenser } from '../core/answer/index.ts';
import { createDocumentIngestor, type DocumentIngestor, type ProgressListener } from '../core/ingest-document.ts';
import { createTokenCounter } from '../core/ingest/index.ts';
import { createLocalEmbedder } from '../core/embedding/local-embedder.ts';
import { createOpenAiEmbedder } from '../core/embedding/openai-embedder.ts';
import { createHybridRetriever } from '../core/retrieval/hybrid-retriever.ts';
import { createAsk, type Ask } from '../core/ask.ts';
import {
  createChunkSearch,
  createConversationStore,
  createDocumentRepository,
  ensureEmbeddingModel,
  openDatabase,
  type Database,
} from '#db';
import type { DocumentRepository } from '#core';
import { createJobHandlers, type JobHandlers } from './job-handlers.ts';

export interface Engine {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly documents: DocumentRepository;
  readonly embedder: Embedder;
  readonly ingestor: DocumentIngestor;
  readonly handlers: JobHandlers;
  readonly ask: Ask;
  close(): Promise<void>;
}

export function createEmbedder(config: Config, logger: Logger): Embedder {
  if (config.EMBEDDING_MODEL === 'local') return createLocalEmbedder({ dimensions: config.EMBEDDING_DIMENSIONS });
  return createOpenAiEmbedder({
    baseUrl: config.OPENAI_BASE_URL,
    apiKey: config.OPENAI_API_KEY,
    model: config.EMBEDDING_MODEL,
    dimensions: config.EMBEDDING_DIMENSIONS,
    batchSize: config.EMBEDDING_BATCH_SIZE,
    logger,
  });
}

export interface EngineOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** An already open database (tests); otherwise one is opened from the config. */
  readonly database?: Database;
  readonly onProgress?: ProgressListener;
  readonly documentLink?: (documentId: string) => string | null;
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

  const documents = createDocumentRepository(database.db);
  const ingestor = createDocumentIngestor(
    {
      documents,
      embedder,
      tokenCounter: createTokenCounter(),
      logger,
      maxBytes: config.MAX_UPLOAD_BYTES,
      chunkTokens: config.CHUNK_TOKENS,
      chunkOverlapTokens: config.CHUNK_OVERLAP_TOKENS,
      embeddingBatchSize: config.EMBEDDING_BATCH_SIZE,
    },
    options.onProgress,
  );
  const retriever = createHybridRetriever({ search: createChunkSearch(database.db), embedder });
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
    embedder,
    ingestor,
    handlers: createJobHandlers({ ingestor, documents, logger }),
    ask,
    close: () => database.close(),
  };
}
