export {
  type Ask,
  type AskDeps,
  type AskEvent,
  type AskInput,
  type AskResult,
  createAsk,
  MAX_QUESTION_LENGTH,
  type Retriever,
} from './ask.ts';
export { AUDIT_GENESIS_HASH, type AuditFields, canonicalJson, hashAuditEvent } from './audit.ts';
export { chatPlatformSetup, type PlatformSetup } from './chat-platform-setup.ts';
export * from './config.ts';
export * from './connectors/index.ts';
export type * from './domain.ts';
export { API_KEY_SCOPES, DOCUMENT_STATUSES, PLATFORMS, ROLES } from './domain.ts';
export * from './errors.ts';
export { claimedDocumentKind } from './ingest/detect-type.ts';
export { isFilenameTitle, titleFromFilename } from './ingest/title-from-filename.ts';
export {
  createDocumentIngestor,
  type DocumentIngestor,
  type DocumentIngestorDeps,
  type IngestOutcome,
  ingestJobId,
  type ProgressListener,
  submitDocument,
} from './ingest-document.ts';
export {
  assertNoNulCharacters,
  findNulCharacter,
  isSafeLinkUrl,
  nulCharacterError,
  quoteUnknown,
} from './input-rules.ts';
export { DEFAULT_MODEL_PRICES, estimateCostUsd, type ModelPrice, priceOf } from './model-prices.ts';
export type * from './ports.ts';
export { createMemoryRateLimitStore, type RateLimitStore } from './rate-limit-store.ts';
export { NO_REDACTION, type RedactionRules, redactPersonalData } from './redaction.ts';
export { LEXICAL_ANALYSIS_VERSION } from './retrieval/analyzer.ts';
export { legacyQueryTerms, withLegacyQueryTerms } from './retrieval/legacy-query-terms.ts';
export {
  constantTimeEqual,
  generateApiKey,
  generatePassword,
  hashPassword,
  looksLikeApiKey,
  sha256Hex,
  verifyPassword,
} from './security.ts';
export { type DetectedLanguage, detectLanguage } from './text/index.ts';
