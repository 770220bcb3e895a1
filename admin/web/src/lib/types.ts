/** Types of the admin API as the console queries it, written from admin/api/schema.graphql. */
export type Role = 'admin' | 'curator' | 'auditor' | 'member';
export type Platform = 'slack' | 'teams' | 'web' | 'api' | 'cli';
export type DocumentStatus = 'queued' | 'processing' | 'ready' | 'failed';
export type ReplyMode = 'mention' | 'all';
export type Feedback = 'up' | 'down';

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}
export interface Connection<T> {
  nodes: T[];
  pageInfo: PageInfo;
}

export interface GroupRef {
  id: string;
  name: string;
}
export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  disabled: boolean;
  hasPassword: boolean;
  lockedUntil: string | null;
  lastLoginAt: string | null;
  createdAt: string;
  groups: GroupRef[];
}
export type SessionUser = Pick<User, 'id' | 'email' | 'name' | 'role'> & {
  /** The console language the user chose; null follows the browser. */
  locale?: string | null;
};

export interface Group {
  id: string;
  name: string;
  description: string | null;
  externalId: string | null;
  isDefault: boolean;
  memberCount: number;
  createdAt: string;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  user: { id: string; email: string };
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
export interface CreatedApiKey extends Omit<ApiKey, 'lastUsedAt' | 'revokedAt'> {
  key: string;
}

export interface ChannelRef {
  id: string;
  platform: Platform;
  channelId: string;
  name: string | null;
  replyMode: ReplyMode;
}
export interface Collection {
  id: string;
  name: string;
  description: string | null;
  everyone: boolean;
  readerGroups: GroupRef[];
  documentCount: number;
  channels: ChannelRef[];
  updatedAt: string;
}
export interface Channel extends ChannelRef {
  workspaceId: string;
  collections: { id: string; name: string }[];
}

export interface IngestProgress {
  stage: string;
  percent: number;
}
export interface DocumentRow {
  id: string;
  title: string;
  filename: string;
  sourceKey: string;
  mimeType: string;
  sizeBytes: number;
  version: number;
  status: DocumentStatus;
  progress: IngestProgress | null;
  error: string | null;
  chunkCount: number;
  updatedAt: string;
  collection: { id: string; name: string };
}
export interface DocumentDetail extends DocumentRow {
  sha256: string;
  sourceUrl: string | null;
  indexedVersion: number | null;
  createdAt: string;
  indexedAt: string | null;
  uploadedBy: { email: string } | null;
}
export interface Chunk {
  id: string;
  position: number;
  headingPath: string[];
  text: string;
  tokenCount: number;
  page: number | null;
}
export interface DocumentProgressEvent {
  documentId: string;
  stage: string;
  percent: number;
  status: DocumentStatus;
  error: string | null;
}

export interface MessageSource {
  n: number;
  chunkId: string;
  documentId: string;
  documentVersion: number;
  title: string;
  section: string | null;
  /** The page the cited text starts on (PDF); null for formats without pages. */
  page: number | null;
  url: string | null;
  text: string;
}
export interface Message {
  id: string;
  question: string;
  answer: string;
  answered: boolean;
  model: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  feedback: Feedback | null;
  feedbackComment: string | null;
  /** Everyone's own ratings, each person once (the asker's and, in a channel, each member's). */
  ratingsUp: number;
  ratingsDown: number;
  reviewedAt: string | null;
  createdAt: string;
  user: { email: string } | null;
  sources: MessageSource[];
}
export interface ConversationRow {
  id: string;
  platform: Platform;
  channelId: string | null;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
  firstQuestion: string | null;
  user: { id: string; email: string } | null;
}
export interface Conversation extends ConversationRow {
  messages: Message[];
}
export interface FeedbackItem extends Message {
  conversation: { id: string; platform: Platform; channelId: string | null };
}

export interface UsageTotals {
  questions: number;
  unanswered: number;
  unansweredRate: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  promptTokens: number;
  completionTokens: number;
  estimatedCostUsd: number;
}
export interface UsageDay extends UsageTotals {
  day: string;
}
export interface Usage {
  from: string;
  to: string;
  totals: UsageTotals;
  days: UsageDay[];
  platforms: { platform: Platform; questions: number; unanswered: number; unansweredRate: number }[];
  models: {
    model: string;
    questions: number;
    promptTokens: number;
    completionTokens: number;
    estimatedCostUsd: number;
    priced: boolean;
  }[];
  topCitedDocuments: { documentId: string; title: string; citations: number; answers: number }[];
  topUnansweredQuestions: { question: string; count: number; lastAskedAt: string }[];
}

export interface AuditEvent {
  id: number;
  at: string;
  actorLabel: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** The target's name (title, name or e-mail), or null when it is not known. */
  targetLabel: string | null;
  data: unknown;
  ip: string | null;
  hash: string;
}
export interface AuditChainVerdict {
  ok: boolean;
  checked: number;
  firstBrokenId: number | null;
}

export interface ModelPrice {
  model: string;
  promptPerMillion: number;
  completionPerMillion: number;
}
export interface Settings {
  retentionDays: number;
  redactEmails: boolean;
  redactPhoneNumbers: boolean;
  modelPrices: ModelPrice[];
  suggestedPrompts: SuggestedPrompts[];
}

export interface SuggestedPrompt {
  title: string;
  message: string;
}

/** The Slack assistant's suggested prompts in one language; empty: the built-in ones. */
export interface SuggestedPrompts {
  locale: string;
  prompts: SuggestedPrompt[];
}

/** What POST /api/v1/ask streams in its `done` event (and returns as JSON). */
export interface AskResult {
  answer: string;
  answered: boolean;
  sources: {
    n: number;
    chunkId: string;
    documentId: string;
    title: string;
    section: string | null;
    page: number | null;
    url: string | null;
    snippet: string;
  }[];
  threadId: string;
  messageId: string | null;
  model: string;
  latencyMs: number;
}

export interface SourceRun {
  number: number;
  startedAt: string;
  finishedAt: string | null;
  added: number;
  changed: number;
  unchanged: number;
  deleted: number;
  failed: number;
  failures: { item: string; reason: string }[];
  error: string | null;
}

export interface ConnectorSource {
  id: string;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  hasSecret: boolean;
  scheduleMinutes: number | null;
  paused: boolean;
  state: 'idle' | 'running' | 'failed';
  documentCount: number;
  collection: { id: string; name: string };
  lastRun: SourceRun | null;
}

/** Whether a chat platform is on in this install; when off, the variable to set (e.g. SLACK_BOT_TOKEN). */
export interface ChatPlatformState {
  enabled: boolean;
  missing: string | null;
}

export interface ChatPlatforms {
  slack: ChatPlatformState;
  teams: ChatPlatformState;
}
