/**
 * Capability-named ports. `core` talks to storage, queues and models only through these; adapters
 * live with their technology (db/, workers/, bot/). None of them exposes a connection or transaction type.
 */
import type {
  DocumentStatus,
  IngestProgress,
  Platform,
  Principal,
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

/** An uploaded file and how to cut it, for a FileAnalyzer. */
export interface FileToAnalyze {
  readonly bytes: Uint8Array;
  readonly filename: string;
  /** What the uploader declared; a hint only, the bytes decide. */
  readonly mimeType?: string | undefined;
  /** The document's title, indexed with every chunk. */
  readonly title: string;
  /**
   * The title was made from the file's name (the uploader gave none): the document's own title, when it
   * has one (PDF/DOCX/HWPX metadata, HTML <title>, a first heading), is indexed instead and reported back.
   */
  readonly titleFromFilename?: boolean | undefined;
  readonly maxBytes: number;
  readonly chunkTokens: number;
  readonly chunkOverlapTokens: number;
  /** A file with more chunks is refused by the caller, so an analyzer that also embeds need not embed it. */
  readonly maxChunks?: number | undefined;
}

export interface AnalyzedChunk extends ChunkDraft {
  /** The text that is embedded and indexed: title and section path before the chunk text. */
  readonly indexText: string;
  readonly lexical: LexicalDoc;
}

/**
 * Parse → chunk → BM25 terms for one file: CPU work with no I/O, done in worker threads
 * (workers/analysis-pool.ts) so a large or hostile file never stalls the process serving chat and HTTP.
 * Unusable files reject with UnprocessableDocumentError; so does one that takes longer than its time limit.
 */
export interface FileAnalyzer {
  analyze(
    file: FileToAnalyze,
    options?: {
      readonly signal?: AbortSignal | undefined;
      /** 'chunking' after the parse; 'embedding' when an analyzer that embeds starts doing so. */
      readonly onStage?: (stage: 'chunking' | 'embedding') => void;
    },
  ): Promise<AnalyzedFile>;
  close(): Promise<void>;
}

export interface AnalyzedFile {
  readonly chunks: AnalyzedChunk[];
  /** The document's own title when the file names one; null when it does not. */
  readonly title: string | null;
  /**
   * The chunks' vectors, when the analyzer also embeds (the local embedder, in the parsing threads):
   * chunk i's vector is `vectors.subarray(i * dimensions, (i + 1) * dimensions)`. Used only when `model`
   * is the ingesting embedder's, so they are exactly what that embedder would have given.
   */
  readonly embedding?:
    | { readonly model: string; readonly dimensions: number; readonly vectors: Float64Array }
    | undefined;
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

interface UploadDetails {
  readonly collectionId: string;
  /** Identity of the document inside its collection (a path, a file name or a URL): re-uploads replace it. */
  readonly sourceKey: string;
  readonly title: string;
  readonly filename: string;
  readonly mimeType: string;
  readonly sourceUrl?: string | null | undefined;
  readonly uploadedBy: string | null;
  /** The connector source it comes from: a new document is created as the source's (documents.source_id). */
  readonly sourceId?: string | undefined;
}

/** An upload: its bytes in hand (connectors, the CLI), or a file the FileStore already received (REST). */
export type NewUpload = UploadDetails &
  (
    | { readonly bytes: Uint8Array; readonly sha256: string; readonly file?: undefined }
    | { readonly file: ReceivedFile; readonly bytes?: undefined }
  );

/** A file taken in by a FileStore: hashed, sized and held until a document keeps it or it is discarded. */
export interface ReceivedFile {
  readonly sha256: string;
  readonly sizeBytes: number;
  /**
   * Drops the held copy unless a document kept it. Call it once the upload is settled, whatever the
   * outcome (an unchanged re-upload, a refused one): a kept file is not touched.
   */
  discard(): Promise<void>;
}

/**
 * Where uploaded files' bytes live. With the embedded database: files in DATA_DIR/files named by their
 * sha256 (large uploads never pass through PGlite on the thread serving HTTP). With DATABASE_URL: the
 * database's own rows, which workers on other hosts read. Which documents hold a file is the
 * DocumentRepository's business; this port only holds bytes.
 */
export interface FileStore {
  readonly kind: 'directory' | 'database';
  /**
   * Takes a file in, hashing it on the way: streamed to a staged file (directory) or gathered in memory
   * (database). More than `maxBytes` rejects with AppError `payload_too_large` and keeps nothing.
   */
  receive(
    source: Uint8Array | AsyncIterable<Uint8Array>,
    options?: { readonly maxBytes?: number; readonly filename?: string },
  ): Promise<ReceivedFile>;
  /**
   * Makes a received file permanent, before the row that names it commits: fsynced and renamed under
   * its hash (directory, returns null), or its bytes handed back for the row (database).
   */
  keep(file: ReceivedFile): Promise<Uint8Array | null>;
  /** A kept file's bytes; null when no such file is held. */
  read(sha256: string): Promise<Uint8Array | null>;
  remove(sha256: string): Promise<void>;
  /** Every kept file's hash (directory), for the sweep of files no document names any more. */
  list(): Promise<string[]>;
  /** Removes staged copies that a crashed or killed process left behind. */
  removeAbandoned(): Promise<number>;
}

export type UploadOutcome =
  | { readonly kind: 'created'; readonly document: StoredDocument }
  | { readonly kind: 'updated'; readonly document: StoredDocument }
  | { readonly kind: 'unchanged'; readonly document: StoredDocument };

export interface DocumentRepository {
  /** Stores the file and the document row in one transaction; an unchanged hash is a no-op. */
  upsertUpload(upload: NewUpload): Promise<UploadOutcome>;
  get(id: string): Promise<StoredDocument | null>;
  /** The document with the stored bytes of its current version (null bytes when they are gone), in one read. */
  getWithFile(id: string): Promise<{
    readonly document: StoredDocument;
    readonly file: { bytes: Uint8Array; filename: string; mimeType: string } | null;
  } | null>;
  setProgress(id: string, progress: IngestProgress): Promise<void>;
  markFailed(id: string, version: number, error: string): Promise<void>;
  /** Names version `version` of the document `title`, unless its title changed from `from` meanwhile. */
  retitle(id: string, version: number, from: string, title: string): Promise<void>;
  /** Replaces every chunk of the document with these, atomically, and marks it ready at `version`. */
  replaceChunks(
    id: string,
    version: number,
    embeddingModel: string,
    chunks: readonly IndexedChunk[],
  ): Promise<'stored' | 'stale'>;
  delete(id: string): Promise<boolean>;
  /**
   * Removes stored files that no document version names any more (after deletions elsewhere, such as a
   * collection's, and at start for what a crash left). Returns how many were removed.
   */
  reclaimFiles(): Promise<number>;
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

export interface VectorSearchOptions {
  /**
   * How many nearest chunks the approximate search re-ranks exactly (at least 2 × limit); absent, the
   * search's own default for the index size. A small one is for a list that only fills in behind BM25.
   */
  readonly shortlist?: number;
}

/** Search over stored chunks; every method applies the access policy of `scope` inside its SQL. */
export interface ChunkSearch {
  lexical(terms: readonly LexicalQueryTerm[], scope: RetrievalScope, limit: number): Promise<ScoredChunkId[]>;
  vector(
    embedding: readonly number[],
    model: string,
    scope: RetrievalScope,
    limit: number,
    options?: VectorSearchOptions,
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
      /**
       * 1-based indices into the context the answer cites, in order of first citation. The answer's own
       * markers are renumbered by that order: `cited: [4, 2]` means its "[1]" is context chunk 4, "[2]" chunk 2.
       */
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
  /** Re-analyses the BM25 postings of every chunk written by an older text analysis (core LEXICAL_ANALYSIS_VERSION). */
  'reindex-lexical': { version: number };
  'purge-conversations': { olderThanDays: number };
  /** A UTC day (YYYY-MM-DD); absent: yesterday and today, which the hourly schedule keeps current. */
  'rollup-usage': { day?: string };
  /** One run of a connector source; `manual`: asked for now (it runs even when the schedule is paused). */
  'sync-source': { sourceId: string; manual?: boolean };
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

// ---------- chat platforms (Slack, Teams) ----------

/** A user as a chat platform knows them: ids are the platform's own, opaque to ex-GPT. */
export interface ChatUserRef {
  readonly platform: Platform;
  /** Slack team id, Teams tenant id. */
  readonly workspaceId: string;
  readonly userId: string;
}

export interface ChatUserProfile {
  readonly ref: ChatUserRef;
  /** Null when the platform does not share it (no scope, a guest, a bot): the user is then created without one. */
  readonly email: string | null;
  readonly displayName: string | null;
  readonly isBot: boolean;
}

/**
 * Who sees the reply, which decides what may be searched (design.md's access policy):
 * `channel` — everyone in it: only the channel's bound collections, intersected with the asker's access;
 * `direct` — a DM or personal chat with the bot; `private` — only the asker (Slack's ephemeral `/ask`).
 */
export type ChatPlace = 'channel' | 'direct' | 'private';

/** Where a message came from and where its reply goes. */
export interface ChatLocation {
  readonly platform: Platform;
  readonly workspaceId: string;
  /** Slack channel or DM id, Teams conversation id. */
  readonly channelId: string;
  /** The thread the reply belongs to (Slack thread_ts, Teams reply-chain id); it is also the conversation key. */
  readonly threadId: string | null;
  readonly place: ChatPlace;
  /**
   * The language the bot writes in here for this asker (a catalogue's tag, 'en' or 'ko'), decided by the
   * conversation flow from the question and the platform's locale; absent: the adapter's default, English.
   */
  readonly locale?: string | undefined;
}

/** A finished answer, handed to the platform to render with its sources and feedback controls. */
export interface ChatAnswer {
  /** ex-GPT's message id: feedback and sharing refer to it. */
  readonly messageId: string;
  /** Markdown with `[n]` citations. */
  readonly text: string;
  readonly answered: boolean;
  readonly sources: readonly Source[];
  /** Offer to post a private answer in the channel (the flow re-checks the bindings when asked). */
  readonly shareable: boolean;
}

/** What the bot is doing while the asker waits. */
export type ChatWorkStage = 'searching' | 'answering';

/** One reply being written. Calls arrive in order: append…, then exactly one of finish or fail. */
export interface ChatReply {
  /** More answer text as it is produced; the adapter batches it to the platform's pace and limits. */
  append(text: string): Promise<void>;
  /** Completes the reply with the whole answer; returns the platform's id of the posted message. */
  finish(answer: ChatAnswer): Promise<string | null>;
  /** Ends the reply with a friendly sentence instead (after any text already shown). */
  fail(message: string): Promise<void>;
}

/**
 * What the shared conversation flow (bot/conversation) needs from a chat platform. Adapters live in
 * bot/slack and bot/teams; nothing here exposes an SDK type.
 */
export interface ChatPlatform {
  readonly platform: Platform;
  /** The user's profile (email above all), to map them to an ex-GPT user the first time they ask. */
  lookupUser(user: ChatUserRef): Promise<ChatUserProfile>;
  /** Shows that work is under way, worded by the adapter; best effort, where the platform has it. */
  showStatus(location: ChatLocation, stage: ChatWorkStage): Promise<void>;
  /** Starts the reply to `asker`: streamed where the platform can, posted once at the end where not. */
  startReply(location: ChatLocation, asker: ChatUserRef): ChatReply;
  /** A short message for the asker alone where possible (a hint, a rate limit, a failure). */
  postNotice(location: ChatLocation, asker: ChatUserRef, text: string): Promise<void>;
  /** Posts a stored answer as a whole (sharing a private answer in a channel); returns the message id. */
  postAnswer(location: ChatLocation, answer: ChatAnswer): Promise<string | null>;
  /**
   * The user's language as the platform knows it (Slack's `users.info` locale, e.g. "ko-KR"), asked only
   * when the question itself does not tell; null when unknown. Teams sends it on each activity instead.
   */
  userLocale?(user: ChatUserRef): Promise<string | null>;
}

/** A chat user mapped onto an ex-GPT user. */
export interface ChatMember {
  readonly principal: Principal;
  readonly disabled: boolean;
}

/** Chat accounts ↔ ex-GPT users (the identities table). */
export interface ChatIdentities {
  find(user: ChatUserRef): Promise<ChatMember | null>;
  /** Links by email to an existing user, or creates a member in the default group. Idempotent. */
  link(profile: ChatUserProfile): Promise<ChatMember>;
}

export type ReplyMode = 'mention' | 'all';

export interface ChannelBinding {
  readonly collectionIds: readonly string[];
  /** `all`: follow-ups in a thread the bot has answered need no mention. */
  readonly replyMode: ReplyMode;
}

export interface ChannelBindings {
  /** Null when the channel is not bound (it then gets a hint, not an answer). */
  find(
    location: Pick<ChatLocation, 'platform' | 'workspaceId' | 'channelId'>,
  ): Promise<ChannelBinding | null>;
}

/** Incoming event ids already handled, so that a platform's retries never produce a second answer. */
export interface ProcessedEvents {
  /** Records the id; false when it was recorded before. */
  claim(platform: Platform, eventId: string): Promise<boolean>;
  /** Records every id in one statement; false when any of them was recorded before. */
  claimAll(platform: Platform, eventIds: readonly string[]): Promise<boolean>;
}

/** A stored answer as chat needs it back: for sharing it, and to check where it may be shown. */
export interface StoredChatAnswer {
  readonly messageId: string;
  readonly userId: string | null;
  readonly text: string;
  readonly answered: boolean;
  /** Sources with the collection each comes from; null when the document has since been deleted. */
  readonly sources: readonly (Source & { readonly collectionId: string | null })[];
}

export type ChatMessageRef = { readonly messageId: string } | { readonly platformMessageId: string };

export interface ChatAnswers {
  /** Whether the bot has answered in this thread (follow-ups without a mention are for such threads only). */
  hasAnswered(key: ConversationKey): Promise<boolean>;
  /**
   * Stores the platform's id of the posted answer so that feedback on that message finds it, and whether
   * it was posted where a channel's members see it (then each of them may rate it once).
   */
  attachPlatformMessage(messageId: string, platformMessageId: string, inChannel: boolean): Promise<void>;
  find(ref: ChatMessageRef): Promise<StoredChatAnswer | null>;
  /**
   * Stores the rater's own 👍/👎 and comment (null: none) on the answer, replacing their earlier rating.
   * The asker's rating is the answer's feedback; in a channel everyone else who sees it rates it once each,
   * beside it. False when there is no such answer, or someone other than the asker rates a DM or private answer.
   */
  recordFeedback(
    ref: ChatMessageRef,
    feedback: { value: 'up' | 'down'; comment: string | null; raterId: string | null },
  ): Promise<boolean>;
}

/**
 * How to reach a chat conversation again without an incoming message (Teams' proactive messages need the
 * conversation's reference: service URL, ids). Stored per platform and conversation, the latest wins.
 */
export interface ConversationReferences {
  save(
    platform: Platform,
    conversationId: string,
    reference: Readonly<Record<string, unknown>>,
  ): Promise<void>;
  find(platform: Platform, conversationId: string): Promise<Record<string, unknown> | null>;
}
