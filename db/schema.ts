/**
 * The whole domain model of shared/design.md. Migrations in db/migrations are generated from this file
 * (`npm run db:generate`) and checked for drift by `npm run check`.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { SourceRun } from '../core/connectors/source-store.ts';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

/** pgvector without a fixed dimension: each embedding model gets its own partial HNSW index. */
const anyVector = customType<{ data: number[]; driverData: string }>({
  dataType: () => 'vector',
  toDriver: (value) => `[${value.join(',')}]`,
  fromDriver: (value) => JSON.parse(value) as number[],
});

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const roleEnum = pgEnum('role', ['admin', 'curator', 'auditor', 'member']);
export const platformEnum = pgEnum('platform', ['slack', 'teams', 'web', 'api', 'cli']);
export const documentStatusEnum = pgEnum('document_status', ['queued', 'processing', 'ready', 'failed']);
export const replyModeEnum = pgEnum('reply_mode', ['mention', 'all']);
export const feedbackEnum = pgEnum('feedback', ['up', 'down']);
export const jobStatusEnum = pgEnum('job_status', ['waiting', 'active', 'completed', 'failed']);

// ---------- people ----------

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name'),
    role: roleEnum('role').notNull().default('member'),
    passwordHash: text('password_hash'),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    failedLogins: integer('failed_logins').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    /** The console language the user chose ('en', 'ko'); null: follow the browser. */
    locale: text('locale'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_key').on(sql`lower(${t.email})`)],
);

export const groups = pgTable('groups', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  description: text('description'),
  /** Group name or id at the SSO provider that maps onto this group. */
  externalId: text('external_id').unique(),
  isDefault: boolean('is_default').notNull().default(false),
  createdAt: createdAt(),
});

export const memberships = pgTable(
  'memberships',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.groupId] }), index('memberships_group_idx').on(t.groupId)],
);

/** A Slack, Teams or SSO account mapped onto a user. */
export const identities = pgTable(
  'identities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    /** Slack team id, Entra tenant id, or the SSO issuer. */
    tenantId: text('tenant_id').notNull().default(''),
    externalId: text('external_id').notNull(),
    email: text('email'),
    displayName: text('display_name'),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('identities_provider_key').on(t.provider, t.tenantId, t.externalId),
    index('identities_user_idx').on(t.userId),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The first characters of the key, shown in lists so people can tell keys apart. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key: keys are long random strings, so a fast hash is safe and indexable. */
    keyHash: text('key_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_hash_key').on(t.keyHash), index('api_keys_user_idx').on(t.userId)],
);

/** Refresh-token sessions for the console: rotated on use; reuse of a rotated token revokes the family. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    userAgent: text('user_agent'),
    ip: text('ip'),
  },
  (t) => [uniqueIndex('sessions_token_key').on(t.tokenHash), index('sessions_family_idx').on(t.familyId)],
);

// ---------- documents ----------

export const collections = pgTable('collections', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  description: text('description'),
  /** Readable by every user, whatever their groups. */
  everyone: boolean('everyone').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const collectionReaders = pgTable(
  'collection_readers',
  {
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.collectionId, t.groupId] }),
    index('collection_readers_group_idx').on(t.groupId),
  ],
);

export const channels = pgTable(
  'channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    platform: platformEnum('platform').notNull(),
    /** Slack team id or Teams team/tenant id; '' when the platform has none. */
    workspaceId: text('workspace_id').notNull().default(''),
    externalId: text('external_id').notNull(),
    name: text('name'),
    replyMode: replyModeEnum('reply_mode').notNull().default('mention'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('channels_platform_key').on(t.platform, t.workspaceId, t.externalId)],
);

/** Channel bindings: the collections a channel's answers may search. */
export const channelCollections = pgTable(
  'channel_collections',
  {
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.collectionId] })],
);

export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'restrict' }),
    sourceKey: text('source_key').notNull(),
    title: text('title').notNull(),
    filename: text('filename').notNull(),
    sourceUrl: text('source_url'),
    mimeType: text('mime_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** Bumped on every changed upload; chunks carry the version they were made from. */
    version: integer('version').notNull().default(1),
    indexedVersion: integer('indexed_version'),
    status: documentStatusEnum('status').notNull().default('queued'),
    progress: jsonb('progress').$type<{ stage: string; percent: number }>(),
    error: text('error'),
    chunkCount: integer('chunk_count').notNull().default(0),
    uploadedBy: uuid('uploaded_by').references(() => users.id, { onDelete: 'set null' }),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /** The connector source it was synced from (null: uploaded). Its `sourceKey` is `<source id>:<external id>`. */
    sourceId: uuid('source_id').references((): AnyPgColumn => sources.id, { onDelete: 'set null' }),
    /**
     * The source sent its own readers (document_readers): only they may read it, on top of the collection's
     * rule. False: the collection's rule alone, as for uploads.
     */
    restricted: boolean('restricted').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    indexedAt: timestamp('indexed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('documents_source_key').on(t.collectionId, t.sourceKey),
    index('documents_source_idx').on(t.sourceId),
    // The access filter looks up the restricted documents of the readable collections on every question.
    index('documents_restricted_idx').on(t.collectionId).where(sql`${t.restricted}`),
    index('documents_status_idx').on(t.status),
    index('documents_created_idx').on(t.createdAt),
  ],
);

/**
 * A document's readers as its source knows them: users by e-mail (lower case) or groups by the provider's
 * id, matched to groups' `externalId`. Read only when the document is `restricted`.
 */
export const documentReaders = pgTable(
  'document_readers',
  {
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<'email' | 'group'>().notNull(),
    value: text('value').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.documentId, t.kind, t.value] }),
    index('document_readers_value_idx').on(t.kind, t.value),
  ],
);

// ---------- connector sources ----------

/** A configured connector (a folder, a website, a SharePoint drive…) that keeps one collection in sync. */
export const sources = pgTable('sources', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  kind: text('kind').notNull(),
  collectionId: uuid('collection_id')
    .notNull()
    .references(() => collections.id, { onDelete: 'restrict' }),
  /** The connector's settings, without secrets. */
  config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
  /** Secrets (tokens, client secrets) sealed with CONNECTOR_SECRET_KEY (AES-256-GCM); never returned. */
  secret: text('secret'),
  /** Minutes between scheduled runs; null: only when run by hand. */
  scheduleMinutes: integer('schedule_minutes'),
  paused: boolean('paused').notNull().default(false),
  /** Where the next incremental run starts (a delta link, a page token); null: from the beginning. */
  cursor: text('cursor'),
  /** Bumped when a run starts; a run that crashed is resumed under the same number. */
  runNumber: integer('run_number').notNull().default(0),
  /** idle · running · failed */
  state: text('state').notNull().default('idle'),
  /** The current run's counts while it runs, the last run's once done. */
  lastRun: jsonb('last_run').$type<SourceRun>(),
  /**
   * Who runs the source now (one id per run, in any process) and until when, by the database's clock: a run
   * renews it while it works, so a killed worker's run can be taken over once it expires.
   */
  leaseOwner: text('lease_owner'),
  leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** What a source last delivered for each of its items: skips unchanged items and finds the deleted ones. */
export const sourceItems = pgTable(
  'source_items',
  {
    sourceId: uuid('source_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'cascade' }),
    externalId: text('external_id').notNull(),
    documentId: uuid('document_id').references(() => documents.id, { onDelete: 'set null' }),
    /** The source's version of the item (ETag, mtime and size, cTag…). */
    version: text('version').notNull(),
    /** Connector state kept between runs (HTTP validators, a page's links). */
    state: jsonb('state').$type<Record<string, unknown>>(),
    /** The run that last listed it: after a complete listing, older ones are gone at the source. */
    seenRun: integer('seen_run').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sourceId, t.externalId] })],
);

/**
 * The uploaded bytes, kept so that any worker can (re)process a document and nothing accepted is lost:
 * in `bytes` with DATABASE_URL (and in rows an older version wrote), or in DATA_DIR/files under
 * `file_sha256` with the embedded database (core FileStore), which keeps large uploads out of PGlite.
 */
export const documentFiles = pgTable(
  'document_files',
  {
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    bytes: bytea('bytes'),
    /** The file's name in the directory store; a file is removed once no row names it. */
    fileSha256: text('file_sha256'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.documentId, t.version] }),
    index('document_files_file_idx').on(t.fileSha256).where(sql`${t.fileSha256} is not null`),
    check('document_files_held', sql`${t.bytes} is not null or ${t.fileSha256} is not null`),
  ],
);

export const chunks = pgTable(
  'chunks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    /** Denormalised from the document so the access filter needs no join. */
    collectionId: uuid('collection_id').notNull(),
    documentVersion: integer('document_version').notNull(),
    position: integer('position').notNull(),
    headingPath: text('heading_path').array().notNull(),
    text: text('text').notNull(),
    tokenCount: integer('token_count').notNull(),
    /** Length in analysed terms: BM25's document length. */
    lexicalLength: integer('lexical_length').notNull(),
    /**
     * Which text analysis wrote this chunk's BM25 postings (core's LEXICAL_ANALYSIS_VERSION). Rows written
     * before the analysis was versioned are 1; the reindex-lexical job moves older rows to the current one.
     */
    lexicalVersion: integer('lexical_version').notNull().default(1),
    page: integer('page'),
    createdAt: createdAt(),
  },
  (t) => [
    index('chunks_document_idx').on(t.documentId, t.position),
    index('chunks_collection_idx').on(t.collectionId),
    index('chunks_lexical_version_idx').on(t.lexicalVersion),
  ],
);

/** BM25 vocabulary: document frequency of each analysed term over all chunks. */
export const lexTerms = pgTable('lex_terms', {
  id: serial('id').primaryKey(),
  term: text('term').notNull().unique(),
  df: integer('df').notNull().default(0),
});

/** BM25 collection statistics: one row. */
export const lexStats = pgTable('lex_stats', {
  id: integer('id').primaryKey().default(1),
  chunkCount: bigint('chunk_count', { mode: 'number' }).notNull().default(0),
  totalLength: bigint('total_length', { mode: 'number' }).notNull().default(0),
});

/**
 * BM25 postings: term frequency per chunk, with what scoring and the access filter need inline. The
 * (term, chunk, tf, length, collection) index covers every read of a posting list, so BM25 runs on
 * index-only scans; it replaces a (term, chunk) primary key, which would be a second index this size.
 */
export const lexPostings = pgTable(
  'lex_postings',
  {
    termId: integer('term_id').notNull(),
    // No foreign key: it would cost a lookup in chunks for every posting written (~15% of the write
    // path's time on SciFact). Postings are written and deleted only with their chunks, in db/chunk-index.ts.
    chunkId: bigint('chunk_id', { mode: 'number' }).notNull(),
    collectionId: uuid('collection_id').notNull(),
    tf: real('tf').notNull(),
    chunkLength: integer('chunk_length').notNull(),
  },
  (t) => [
    index('lex_postings_term_idx').on(t.termId, t.chunkId, t.tf, t.chunkLength, t.collectionId),
    index('lex_postings_chunk_idx').on(t.chunkId),
  ],
);

export const embeddingModels = pgTable('embedding_models', {
  name: text('name').primaryKey(),
  dimensions: integer('dimensions').notNull(),
  /** building: being filled in the background; active: answers use it; retired: kept until deleted. */
  state: text('state').notNull().default('building'),
  createdAt: createdAt(),
  activatedAt: timestamp('activated_at', { withTimezone: true }),
});

export const chunkEmbeddings = pgTable(
  'chunk_embeddings',
  {
    chunkId: bigint('chunk_id', { mode: 'number' })
      .notNull()
      .references(() => chunks.id, { onDelete: 'cascade' }),
    model: text('model').notNull(),
    collectionId: uuid('collection_id').notNull(),
    embedding: anyVector('embedding').notNull(),
  },
  (t) => [primaryKey({ columns: [t.chunkId, t.model] })],
);

// ---------- conversations ----------

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    platform: platformEnum('platform').notNull(),
    channelId: text('channel_id'),
    threadId: text('thread_id'),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('conversations_thread_key')
      .on(t.platform, t.channelId, t.threadId)
      .where(sql`${t.threadId} is not null`),
    index('conversations_created_idx').on(t.createdAt),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    question: text('question').notNull(),
    standaloneQuestion: text('standalone_question').notNull(),
    answer: text('answer').notNull(),
    answered: boolean('answered').notNull(),
    retrievedChunkIds: bigint('retrieved_chunk_ids', { mode: 'number' }).array().notNull().default(sql`'{}'`),
    model: text('model').notNull(),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    latencyMs: integer('latency_ms').notNull(),
    /** The platform's id of the posted answer (Slack ts, Teams activity id) so feedback finds it. */
    platformMessageId: text('platform_message_id'),
    /**
     * Posted where a channel's members see it (a channel answer, or a private one shared there): then each
     * of them may rate it once (message_ratings); in DMs and private answers only the asker rates.
     */
    shownInChannel: boolean('shown_in_channel').notNull().default(false),
    feedback: feedbackEnum('feedback'),
    feedbackComment: text('feedback_comment'),
    feedbackAt: timestamp('feedback_at', { withTimezone: true }),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index('messages_conversation_idx').on(t.conversationId, t.createdAt),
    index('messages_created_idx').on(t.createdAt),
    index('messages_platform_message_idx').on(t.platformMessageId),
  ],
);

/**
 * Every person's own 👍/👎 on an answer, once each: a second click by the same person replaces theirs.
 * The asker's rating is also messages.feedback (the answer's own verdict, reviewed in the console).
 */
export const messageRatings = pgTable(
  'message_ratings',
  {
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    value: feedbackEnum('value').notNull(),
    comment: text('comment'),
    ratedAt: timestamp('rated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.userId] }), index('message_ratings_value_idx').on(t.value)],
);

/** The exact sources an answer showed, with a copy of the text used: re-indexing never rewrites history. */
export const messageSources = pgTable(
  'message_sources',
  {
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    n: integer('n').notNull(),
    chunkId: bigint('chunk_id', { mode: 'number' }).notNull(),
    documentId: uuid('document_id').notNull(),
    documentVersion: integer('document_version').notNull(),
    title: text('title').notNull(),
    section: text('section'),
    /** The page the cited chunk starts on (PDF), copied like the text so a citation keeps it. */
    page: integer('page'),
    url: text('url'),
    text: text('text').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.messageId, t.n] }),
    index('message_sources_document_idx').on(t.documentId),
  ],
);

// ---------- platform plumbing ----------

/** Event ids already handled (Slack event_id, Teams activity id): retries never answer twice. */
export const processedEvents = pgTable(
  'processed_events',
  {
    platform: platformEnum('platform').notNull(),
    eventId: text('event_id').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.eventId] })],
);

/** Teams conversation references, kept for proactive messages. */
export const conversationReferences = pgTable(
  'conversation_references',
  {
    platform: platformEnum('platform').notNull(),
    conversationId: text('conversation_id').notNull(),
    reference: jsonb('reference').$type<Record<string, unknown>>().notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.conversationId] })],
);

// ---------- audit, usage, settings, jobs ----------

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorId: uuid('actor_id'),
    actorLabel: text('actor_label').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    ip: text('ip'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_events_at_idx').on(t.at), index('audit_events_action_idx').on(t.action)],
);

export const usageDaily = pgTable(
  'usage_daily',
  {
    day: date('day').notNull(),
    platform: platformEnum('platform').notNull(),
    channelId: text('channel_id').notNull().default(''),
    model: text('model').notNull(),
    questions: integer('questions').notNull().default(0),
    unanswered: integer('unanswered').notNull().default(0),
    promptTokens: bigint('prompt_tokens', { mode: 'number' }).notNull().default(0),
    completionTokens: bigint('completion_tokens', { mode: 'number' }).notNull().default(0),
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    latencyP50Ms: integer('latency_p50_ms'),
    latencyP95Ms: integer('latency_p95_ms'),
  },
  (t) => [primaryKey({ columns: [t.day, t.platform, t.channelId, t.model] })],
);

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
  updatedAt: updatedAt(),
});

/** Jobs of the in-process queue, kept so that failures can be listed and re-run and nothing is lost. */
export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: jobStatusEnum('status').notNull().default('waiting'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('jobs_status_idx').on(t.status, t.runAt)],
);
