/**
 * Capability-named ports. `core` talks to storage, queues and models only through these; adapters
 * live with their technology (db/, workers/, bot/). None of them exposes a connection or transaction type.
 */
import type {
  DocumentStatus,
  IngestProgress,
  Platform,
  RetrievalScope,
  RetrievedChunk,
  Source,
  TokenUsage,
} from './domain.ts';

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

// ---------- embeddings ----------

export interface Embedder {
  /** Stored with every vector: vectors of different models are never compared. */
  readonly model: string;
  readonly dimensions: number;
  embedDocuments(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
  embedQuery(text: string, signal?: AbortSignal): Promise<number[]>;
}

// ---------- ingestion ----------

export interface ChunkDraft {
  readonly position: number;
  readonly headingPath: readonly string[];
  readonly text: string;
  readonly tokenCount: number;
  readonly page?: number | undefined;
}

/** The lexical representation of one chunk: stemmed term → frequency, and its length in terms. */
export interface LexicalDoc {
  readonly terms: ReadonlyMap<string, number>;
  readonly length: number;
}

export interface IndexedChunk extends ChunkDraft {
  readonly lexical: LexicalDoc;
  readonly embedding: readonly number[];
}

export interface StoredDocument {
  readonly id: string;
  readonly collectionId: string;
  readonly title: string;
  readonly sourceKey: string;
  readonly sourceUrl: string | null;
  readonly mimeType: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly version: number;
  readonly indexedVersion: number | null;
  readonly status: DocumentStatus;
  readonly progress: IngestProgress | null;
  readonly error: string | null;
  readonly chunkCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewUpload {
  readonly collectionId: string;
  /** Identity of the document inside its collection (a path, a file name or a URL): re-uploads replace it. */
  readonly sourceKey: string;
  readonly title: string;
  readonly filename: string;
  readonly mimeType: string;
  readonly sourceUrl?: string | null | undefined;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly uploadedBy: string | null;
}

export type UploadOutcome =
  | { readonly kind: 'created'; readonly document: StoredDocument }
  | { readonly kind: 'updated'; readonly document: StoredDocument }
  | { readonly kind: 'unchanged'; readonly document: StoredDocument };

export interface DocumentRepository {
  /** Stores the file and the document row in one transaction; an unchanged hash is a no-op. */
  upsertUpload(upload: NewUpload): Promise<UploadOutcome>;
  get(id: string): Promise<StoredDocument | null>;
  /** The stored bytes of the document's current version. */
  readFile(
    id: string,
  ): Promise<{ bytes: Uint8Array; filename: string; mimeType: string; version: number } | null>;
  setProgress(id: string, progress: IngestProgress): Promise<void>;
  markFailed(id: string, version: number, error: string): Promise<void>;
  /** Replaces every chunk of the document with these, atomically, and marks it ready at `version`. */
  replaceChunks(
    id: string,
    version: number,
    embeddingModel: string,
    chunks: readonly IndexedChunk[],
  ): Promise<'stored' | 'stale'>;
  delete(id: string): Promise<boolean>;
  /** Documents left queued or half-processed (for recovery on start). */
  listUnfinished(): Promise<StoredDocument[]>;
}

// ---------- retrieval ----------

export interface LexicalQueryTerm {
  readonly term: string;
  readonly weight: number;
}

export interface ScoredChunkId {
  readonly chunkId: string;
  readonly score: number;
}

/** Search over stored chunks; every method applies the access policy of `scope` inside its SQL. */
export interface ChunkSearch {
  lexical(terms: readonly LexicalQueryTerm[], scope: RetrievalScope, limit: number): Promise<ScoredChunkId[]>;
  vector(
    embedding: readonly number[],
    model: string,
    scope: RetrievalScope,
    limit: number,
  ): Promise<ScoredChunkId[]>;
  /** Loads chunks by id, again under the access policy: ids the scope cannot read are simply absent. */
  load(
    chunkIds: readonly string[],
    scope: RetrievalScope,
  ): Promise<Omit<RetrievedChunk, 'score' | 'lexicalRank' | 'vectorRank'>[]>;
}

// ---------- answering ----------

export type AnswerEvent =
  | { readonly type: 'delta'; readonly text: string }
  | {
      readonly type: 'done';
      readonly text: string;
      /** 1-based indices into the context the answer cites, in order of first citation. */
      readonly cited: readonly number[];
      readonly answered: boolean;
      readonly model: string;
      readonly usage: TokenUsage;
    };

export interface AnswerInput {
  readonly question: string;
  readonly context: readonly RetrievedChunk[];
  readonly signal?: AbortSignal | undefined;
}

export interface Answerer {
  readonly model: string;
  answer(input: AnswerInput): AsyncIterable<AnswerEvent>;
}

export interface HistoryTurn {
  readonly question: string;
  readonly answer: string;
}

/** Turns a follow-up into a stand-alone question using the thread's history. */
export interface QuestionCondenser {
  condense(question: string, history: readonly HistoryTurn[], signal?: AbortSignal): Promise<string>;
}

// ---------- conversations ----------

export interface ConversationKey {
  readonly platform: Platform;
  /** Channel, DM or chat id; null for the REST API and the CLI. */
  readonly channelId: string | null;
  /** Thread root (Slack thread_ts, Teams reply chain); null starts a new conversation. */
  readonly threadId: string | null;
}

export interface StoredAnswer {
  readonly conversationId: string;
  readonly userId: string;
  readonly question: string;
  readonly standaloneQuestion: string;
  readonly answer: string;
  readonly answered: boolean;
  readonly sources: readonly Source[];
  readonly retrievedChunkIds: readonly string[];
  readonly model: string;
  readonly usage: TokenUsage;
  readonly latencyMs: number;
  readonly platformMessageId?: string | null | undefined;
}

export interface ConversationStore {
  findOrCreate(key: ConversationKey, userId: string): Promise<{ id: string }>;
  history(conversationId: string, limit: number): Promise<HistoryTurn[]>;
  saveAnswer(answer: StoredAnswer): Promise<{ messageId: string }>;
}

// ---------- jobs ----------

export interface JobPayloads {
  'ingest-document': { documentId: string; version: number };
  'delete-document': { documentId: string };
  /** Fills the vectors of `model` (registered as `building`) for every chunk, then makes it the active model. */
  'reembed-all': { model: string };
  'purge-conversations': { olderThanDays: number };
  /** A UTC day (YYYY-MM-DD); absent: yesterday and today, which the hourly schedule keeps current. */
  'rollup-usage': { day?: string };
}
export type JobName = keyof JobPayloads;

export interface EnqueueOptions {
  /**
   * While a job with this id is waiting, delayed or running, enqueueing it again is a no-op; once it has
   * completed or failed for good, the same id runs again.
   */
  readonly jobId?: string;
  readonly delayMs?: number;
}

/** A job that failed for good (input that can never succeed, or out of attempts), kept with its reason. */
export type FailedJob = {
  [N in JobName]: {
    readonly id: string;
    readonly name: N;
    readonly payload: JobPayloads[N];
    readonly reason: string;
    readonly attempts: number;
    readonly failedAt: Date;
  };
}[JobName];

export interface JobQueue {
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options?: EnqueueOptions): Promise<string>;
  /** Failed jobs, most recent first. */
  listFailed(limit?: number): Promise<FailedJob[]>;
  /** Runs a failed job again from its first attempt; false when no failed job has that id. */
  retryFailed(jobId: string): Promise<boolean>;
  close(): Promise<void>;
}

// ---------- live progress ----------

export interface DocumentProgressEvent {
  readonly documentId: string;
  readonly progress: IngestProgress;
  readonly status: DocumentStatus;
  readonly error?: string | null | undefined;
}

/**
 * Live ingestion progress for the admin API and the console. In-process on the embedded default,
 * Redis pub/sub when workers run in other processes. Best effort: the document row is the truth.
 */
export interface ProgressFeed {
  publish(event: DocumentProgressEvent): void;
  /** Returns the function that unsubscribes. */
  subscribe(listener: (event: DocumentProgressEvent) => void): () => void;
  close(): Promise<void>;
}
