export { authenticateApiKey, type CreatedApiKey, createApiKey } from './api-keys.ts';
export {
  type AuditHead,
  type AuditInput,
  appendAuditEvent,
  type ChainVerdict,
  readAuditHead,
  verifyAuditChain,
} from './audit-log.ts';
export { type BootstrapResult, bootstrapDatabase, DEFAULT_ADMIN_EMAIL } from './bootstrap.ts';
export { bindChannel, type ChannelBindingInput, createChannelBindings } from './channel-bindings.ts';
export { createChatAnswers } from './chat-answers.ts';
export { createChatIdentities } from './chat-identities.ts';
export {
  deleteDocumentChunks,
  ensureEmbeddingModel,
  moveDocumentChunks,
  vacuumChunkIndex,
  writeDocumentChunks,
} from './chunk-index.ts';
export { createChunkSearch } from './chunk-search.ts';
export {
  type Database,
  type Db,
  describeStartupError,
  type Executor,
  openDatabase,
  rows,
  SUPPORTED_PGVECTOR,
  SUPPORTED_POSTGRES,
  UnsupportedDatabaseError,
} from './client.ts';
export {
  canReadCollection,
  ensureCollection,
  findCollectionByName,
  GENERAL_COLLECTION,
  resolveCollectionRefs,
} from './collections.ts';
export { createConversationReferences } from './conversation-references.ts';
export { createConversationStore, recordFeedback } from './conversation-store.ts';
export { createDatabaseFileStore } from './database-file-store.ts';
export { createDirectoryFileStore } from './directory-file-store.ts';
export { DISK_FULL_MESSAGE, isDiskFullError } from './disk-full.ts';
export { countDocumentsByStatus, createDocumentRepository } from './document-repository.ts';
export { openSharedEmbeddedDatabase } from './embedded-share.ts';
export {
  EMBEDDED_DATABASE_URL,
  type EmbeddedDatabaseThread,
  embeddedSocketPath,
  openEmbeddedDatabase,
  startEmbeddedDatabaseThread,
} from './embedded-thread.ts';
export {
  activateEmbeddingModel,
  type ChunkToEmbed,
  countChunksWithoutEmbedding,
  type EmbeddingModelRow,
  type EmbeddingModelState,
  getActiveEmbeddingModel,
  getEmbeddingModel,
  listChunksWithoutEmbedding,
  markEmbeddingModelBuilding,
  writeChunkEmbeddings,
} from './embedding-models.ts';
export { purgeConversations, rollupUsage, utcDay } from './housekeeping.ts';
export {
  hasStaleLexicalChunks,
  type LexicalProgress,
  lexicalReindexProgress,
  listStaleLexicalChunks,
  type ReanalysedChunk,
  rewriteChunkPostings,
} from './lexical-reindex.ts';
export { createProcessedEvents, purgeProcessedEvents } from './processed-events.ts';
export * as schema from './schema.ts';
export {
  type RuntimeSettings,
  readRedactionRules,
  readSettings,
  readSuggestedPrompts,
  writeSettings,
} from './settings.ts';
export { type DatabaseStats, readDatabaseStats } from './system-stats.ts';
export {
  countUsers,
  createUser,
  DEFAULT_GROUP,
  ensureDefaultGroup,
  findUserByEmail,
  findUserById,
  toPrincipal,
} from './users.ts';
