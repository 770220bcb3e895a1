/** Typed operations of the admin API: components call these, never fetch. */
import { ApiError, authedFetch, download, gql, postEventStream, restError, uploadFile } from './client.ts';
import { t } from './i18n.svelte.ts';
import type { Grant } from './session.svelte.ts';
import { readEventStream } from './sse.ts';
import type {
  ApiKey,
  AskResult,
  AuditChainVerdict,
  AuditEvent,
  Channel,
  ChatPlatforms,
  Chunk,
  Collection,
  Connection,
  ConnectorSource,
  Conversation,
  ConversationRow,
  CreatedApiKey,
  DocumentDetail,
  DocumentProgressEvent,
  DocumentRow,
  DocumentStatus,
  Feedback,
  FeedbackItem,
  Group,
  ModelPrice,
  Platform,
  ReplyMode,
  Role,
  Settings,
  SuggestedPrompts,
  Usage,
  User,
} from './types.ts';

export { ApiError };

const PAGE = 'pageInfo { hasNextPage endCursor }';
const DOCUMENT_ROW =
  'id title filename sourceKey mimeType sizeBytes version status progress { stage percent } error chunkCount updatedAt collection { id name }';
const DOCUMENT_DETAIL = `${DOCUMENT_ROW} sha256 sourceUrl indexedVersion createdAt indexedAt uploadedBy { email }`;
const USER = 'id email name role disabled hasPassword lockedUntil lastLoginAt createdAt groups { id name }';
const COLLECTION =
  'id name description everyone readerGroups { id name } documentCount updatedAt channels { id platform channelId name replyMode }';
const SOURCE = 'n chunkId documentId documentVersion title section page url text';
const MESSAGE = `id question answer answered model promptTokens completionTokens latencyMs feedback feedbackComment ratingsUp ratingsDown reviewedAt createdAt user { email } sources { ${SOURCE} }`;
const API_KEY = 'id name prefix scopes user { id email } createdAt expiresAt lastUsedAt revokedAt';

type Vars = Record<string, unknown>;
/** Drops empty filters so that the API applies its defaults. */
function clean(vars: Vars): Vars {
  return Object.fromEntries(
    Object.entries(vars).filter(([, value]) => value !== undefined && value !== null && value !== ''),
  );
}

// Sign-in
export const signInOptions = () =>
  gql<{ signInOptions: { password: boolean; sso: boolean; ssoStartPath: string | null } }>(
    'query { signInOptions { password sso ssoStartPath } }',
  ).then((d) => d.signInOptions);
export const login = (email: string, password: string) =>
  gql<{ login: Grant }>(
    'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token expiresAt user { id email name role locale } } }',
    { email, password },
  ).then((d) => d.login);
export const setMyLocale = (locale: string) =>
  gql<{ setMyLocale: { locale: string } }>('mutation($l: String!) { setMyLocale(locale: $l) { locale } }', {
    l: locale,
  }).then((d) => d.setMyLocale.locale);
export const changePassword = (currentPassword: string, newPassword: string) =>
  gql<{ changePassword: boolean }>(
    'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }',
    { c: currentPassword, n: newPassword },
  );

// Documents
export interface DocumentFilter {
  search?: string | undefined;
  collectionId?: string | undefined;
  status?: DocumentStatus | undefined;
  first?: number;
  after?: string | null | undefined;
}
export const documents = (filter: DocumentFilter) =>
  gql<{ documents: Connection<DocumentRow> }>(
    `query($search: String, $collectionId: ID, $status: DocumentStatus, $first: Int, $after: String) {
      documents(search: $search, collectionId: $collectionId, status: $status, first: $first, after: $after) { nodes { ${DOCUMENT_ROW} } ${PAGE} } }`,
    clean({ ...filter }),
  ).then((d) => d.documents);
export const documentDetail = (id: string, withChunks: boolean, after?: string | null) =>
  gql<{ document: (DocumentDetail & { chunks?: Connection<Chunk> }) | null }>(
    withChunks
      ? `query($id: ID!, $after: String) { document(id: $id) { ${DOCUMENT_DETAIL}
          chunks(first: 50, after: $after) { nodes { id position headingPath text tokenCount page } ${PAGE} } } }`
      : `query($id: ID!) { document(id: $id) { ${DOCUMENT_DETAIL} } }`,
    withChunks ? clean({ id, after }) : { id },
  ).then((d) => d.document);
export const reindexDocument = (id: string) =>
  gql<{ reindexDocument: DocumentRow }>(
    `mutation($id: ID!) { reindexDocument(id: $id) { ${DOCUMENT_ROW} } }`,
    { id },
  ).then((d) => d.reindexDocument);
export const moveDocument = (id: string, collectionId: string) =>
  gql<{ moveDocument: { id: string } }>(
    'mutation($id: ID!, $collectionId: ID!) { moveDocument(id: $id, collectionId: $collectionId) { id } }',
    { id, collectionId },
  );
export const deleteDocument = (id: string) =>
  gql<{ deleteDocument: boolean }>('mutation($id: ID!) { deleteDocument(id: $id) }', { id });

export function uploadDocument(file: File, collection: string, onProgress: (fraction: number) => void) {
  const form = new FormData();
  form.append('collection', collection);
  form.append('file', file, file.name);
  const handle = uploadFile('/api/v1/documents', form, onProgress);
  return {
    abort: handle.abort,
    done: handle.done.then(
      (body) => body as { outcome: string; document: { id: string; status: DocumentStatus } },
    ),
  };
}

/** Live ingestion progress (GraphQL subscription over SSE) until the signal aborts. */
export async function watchDocumentProgress(
  onEvent: (event: DocumentProgressEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await authedFetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify({
      query: 'subscription { documentProgress { documentId stage percent status error } }',
    }),
    signal,
  });
  if (!response.ok || !response.body) throw await restError(response);
  for await (const message of readEventStream(response.body)) {
    if (message.event !== 'next') continue;
    const payload = JSON.parse(message.data) as { data?: { documentProgress?: DocumentProgressEvent } };
    if (payload.data?.documentProgress) onEvent(payload.data.documentProgress);
  }
}

// Collections and channels
export const collections = () =>
  gql<{ collections: Collection[] }>(`query { collections { ${COLLECTION} } }`).then((d) => d.collections);
export interface CollectionInput {
  name: string;
  description: string | null;
  everyone: boolean;
  readerGroupIds: string[];
}
export const createCollection = (input: CollectionInput) =>
  gql<{ createCollection: Collection }>(
    `mutation($name: String!, $description: String, $everyone: Boolean, $readerGroupIds: [ID!]) {
      createCollection(name: $name, description: $description, everyone: $everyone, readerGroupIds: $readerGroupIds) { ${COLLECTION} } }`,
    { ...input },
  ).then((d) => d.createCollection);
export const updateCollection = (id: string, input: CollectionInput) =>
  gql<{ updateCollection: Collection }>(
    `mutation($id: ID!, $name: String, $description: String, $everyone: Boolean, $readerGroupIds: [ID!]) {
      updateCollection(id: $id, name: $name, description: $description, everyone: $everyone, readerGroupIds: $readerGroupIds) { ${COLLECTION} } }`,
    { id, ...input },
  ).then((d) => d.updateCollection);
export const deleteCollection = (id: string, deleteDocuments = false) =>
  gql<{ deleteCollection: boolean }>(
    'mutation($id: ID!, $deleteDocuments: Boolean) { deleteCollection(id: $id, deleteDocuments: $deleteDocuments) }',
    { id, deleteDocuments },
  );
/** 👍/👎 on an answer you were given; again with a comment to add one to a 👎. */
export const rateAnswer = (messageId: string, value: 'up' | 'down', comment: string | null = null) =>
  gql<{ rateAnswer: boolean }>(
    'mutation($id: ID!, $value: Feedback!, $comment: String) { rateAnswer(messageId: $id, value: $value, comment: $comment) }',
    { id: messageId, value, comment },
  ).then((d) => d.rateAnswer);

/** Whether Slack and Teams are on in this install, and the variable to set when one is off. */
export const chatPlatforms = () =>
  gql<{ chatPlatforms: ChatPlatforms }>(
    'query { chatPlatforms { slack { enabled missing } teams { enabled missing } } }',
  ).then((d) => d.chatPlatforms);

export const channels = () =>
  gql<{ channels: Channel[] }>(
    'query { channels { id platform workspaceId channelId name replyMode collections { id name } } }',
  ).then((d) => d.channels);
export const bindChannel = (input: {
  platform: Platform;
  channelId: string;
  workspaceId?: string | undefined;
  name?: string | undefined;
  collectionIds: string[];
  replyMode: ReplyMode;
}) =>
  gql<{ bindChannel: Channel }>(
    `mutation($platform: Platform!, $channelId: String!, $workspaceId: String, $name: String, $collectionIds: [ID!], $replyMode: ReplyMode) {
      bindChannel(platform: $platform, channelId: $channelId, workspaceId: $workspaceId, name: $name, collectionIds: $collectionIds, replyMode: $replyMode) { id } }`,
    clean({ ...input }),
  );
export const unbindChannel = (id: string) =>
  gql<{ unbindChannel: boolean }>('mutation($id: ID!) { unbindChannel(id: $id) }', { id });

// Users and groups
export const users = (filter: {
  search?: string | undefined;
  role?: Role | undefined;
  after?: string | null;
}) =>
  gql<{ users: Connection<User> }>(
    `query($search: String, $role: Role, $after: String) { users(search: $search, role: $role, first: 50, after: $after) { nodes { ${USER} } ${PAGE} } }`,
    clean({ ...filter }),
  ).then((d) => d.users);
export const groups = () =>
  gql<{ groups: Group[] }>(
    'query { groups { id name description externalId isDefault memberCount createdAt } }',
  ).then((d) => d.groups);
export const createUser = (input: {
  email: string;
  name?: string;
  role: Role;
  password?: string;
  groupIds: string[];
}) =>
  gql<{ createUser: User }>(
    `mutation($email: String!, $name: String, $role: Role, $password: String, $groupIds: [ID!]) {
      createUser(email: $email, name: $name, role: $role, password: $password, groupIds: $groupIds) { ${USER} } }`,
    clean({ ...input }),
  ).then((d) => d.createUser);
export const updateUserRole = (id: string, role: Role) =>
  gql<{ updateUser: User }>(
    `mutation($id: ID!, $role: Role) { updateUser(id: $id, role: $role) { ${USER} } }`,
    { id, role },
  );
export const setUserGroups = (id: string, groupIds: string[]) =>
  gql<{ setUserGroups: User }>(
    `mutation($id: ID!, $g: [ID!]!) { setUserGroups(id: $id, groupIds: $g) { ${USER} } }`,
    {
      id,
      g: groupIds,
    },
  );
export const setUserDisabled = (id: string, disabled: boolean) =>
  gql<Record<string, User>>(
    `mutation($id: ID!) { ${disabled ? 'disableUser' : 'enableUser'}(id: $id) { ${USER} } }`,
    { id },
  );
export const unlockUser = (id: string) =>
  gql<{ unlockUser: User }>(`mutation($id: ID!) { unlockUser(id: $id) { ${USER} } }`, { id });
export const resetPassword = (id: string) =>
  gql<{ resetPassword: { password: string } }>('mutation($id: ID!) { resetPassword(id: $id) { password } }', {
    id,
  }).then((d) => d.resetPassword.password);
export const createGroup = (input: { name: string; description?: string; externalId?: string }) =>
  gql<{ createGroup: Group }>(
    'mutation($name: String!, $description: String, $externalId: String) { createGroup(name: $name, description: $description, externalId: $externalId) { id } }',
    clean({ ...input }),
  );
export const deleteGroup = (id: string) =>
  gql<{ deleteGroup: boolean }>('mutation($id: ID!) { deleteGroup(id: $id) }', { id });

// API keys
export const apiKeys = (includeRevoked: boolean) =>
  gql<{ apiKeys: ApiKey[] }>(`query($r: Boolean) { apiKeys(includeRevoked: $r) { ${API_KEY} } }`, {
    r: includeRevoked,
  }).then((d) => d.apiKeys);
export const createApiKey = (input: { name: string; scopes: string[]; expiresAt?: string | undefined }) =>
  gql<{ createApiKey: CreatedApiKey }>(
    'mutation($name: String!, $scopes: [String!], $expiresAt: DateTime) { createApiKey(name: $name, scopes: $scopes, expiresAt: $expiresAt) { id name prefix scopes user { id email } createdAt expiresAt key } }',
    clean({ ...input }),
  ).then((d) => d.createApiKey);
export const revokeApiKey = (id: string) =>
  gql<{ revokeApiKey: ApiKey }>(`mutation($id: ID!) { revokeApiKey(id: $id) { ${API_KEY} } }`, { id });

// Conversations and feedback
export interface ConversationFilter {
  search?: string | undefined;
  platform?: Platform | undefined;
  feedback?: Feedback | undefined;
  unanswered?: boolean | undefined;
  from?: string | undefined;
  to?: string | undefined;
  after?: string | null | undefined;
}
export const conversations = (filter: ConversationFilter) =>
  gql<{ conversations: Connection<ConversationRow> }>(
    `query($search: String, $platform: Platform, $feedback: Feedback, $unanswered: Boolean, $from: DateTime, $to: DateTime, $after: String) {
      conversations(search: $search, platform: $platform, feedback: $feedback, unanswered: $unanswered, from: $from, to: $to, first: 25, after: $after) {
        nodes { id platform channelId createdAt updatedAt messageCount firstQuestion user { id email } } ${PAGE} } }`,
    clean({ ...filter }),
  ).then((d) => d.conversations);
export const conversation = (id: string) =>
  gql<{ conversation: Conversation | null }>(
    `query($id: ID!) { conversation(id: $id) { id platform channelId createdAt updatedAt messageCount firstQuestion user { id email } messages { ${MESSAGE} } } }`,
    { id },
  ).then((d) => d.conversation);
export const feedbackQueue = (filter: {
  includeReviewed: boolean;
  includeUnanswered: boolean;
  after?: string | null;
}) =>
  gql<{ feedbackQueue: Connection<FeedbackItem> }>(
    `query($r: Boolean, $u: Boolean, $after: String) { feedbackQueue(includeReviewed: $r, includeUnanswered: $u, first: 25, after: $after) {
      nodes { ${MESSAGE} conversation { id platform channelId } } ${PAGE} } }`,
    clean({ r: filter.includeReviewed, u: filter.includeUnanswered, after: filter.after }),
  ).then((d) => d.feedbackQueue);
export const reviewFeedback = (messageId: string, note: string) =>
  gql<{ reviewFeedback: { id: string } }>(
    'mutation($id: ID!, $note: String) { reviewFeedback(messageId: $id, note: $note) { id } }',
    clean({ id: messageId, note }),
  );

// Usage
export const usage = (filter: {
  from?: string | undefined;
  to?: string | undefined;
  platform?: Platform | undefined;
}) =>
  gql<{ usage: Usage }>(
    `query($from: Date, $to: Date, $platform: Platform) { usage(from: $from, to: $to, platform: $platform) {
      from to
      totals { questions unanswered unansweredRate latencyP50Ms latencyP95Ms promptTokens completionTokens estimatedCostUsd }
      days { day questions unanswered unansweredRate latencyP50Ms latencyP95Ms promptTokens completionTokens estimatedCostUsd }
      platforms { platform questions unanswered unansweredRate }
      models { model questions promptTokens completionTokens estimatedCostUsd priced }
      topCitedDocuments(limit: 10) { documentId title citations answers }
      topUnansweredQuestions(limit: 10) { question count lastAskedAt } } }`,
    clean({ ...filter }),
  ).then((d) => d.usage);
/** Questions per day for one platform (the chart stacks platforms). */
export const questionsPerDay = (platform: Platform, from: string, to: string) =>
  gql<{ usage: { days: { day: string; questions: number }[] } }>(
    'query($p: Platform, $from: Date, $to: Date) { usage(from: $from, to: $to, platform: $p) { days { day questions } } }',
    { p: platform, from, to },
  ).then((d) => d.usage.days);

// Audit
export interface AuditFilter {
  actionPrefix?: string | undefined;
  targetType?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  after?: string | null | undefined;
}
export const auditEvents = (filter: AuditFilter) =>
  gql<{ auditEvents: Connection<AuditEvent> }>(
    `query($actionPrefix: String, $targetType: String, $from: DateTime, $to: DateTime, $after: String) {
      auditEvents(actionPrefix: $actionPrefix, targetType: $targetType, from: $from, to: $to, first: 50, after: $after) {
        nodes { id at actorLabel action targetType targetId targetLabel data ip hash } ${PAGE} } }`,
    clean({ ...filter }),
  ).then((d) => d.auditEvents);
export const verifyAuditChain = () =>
  gql<{ verifyAuditChain: AuditChainVerdict }>(
    'query { verifyAuditChain { ok checked firstBrokenId } }',
  ).then((d) => d.verifyAuditChain);
export function exportData(
  kind: 'audit' | 'conversations',
  format: 'csv' | 'jsonl',
  filter: Record<string, string>,
) {
  const query = new URLSearchParams({ format, ...filter });
  return download(`/api/v1/exports/${kind}?${query}`, `${kind}.${format}`);
}

// Settings
const SETTINGS =
  'retentionDays redactEmails redactPhoneNumbers modelPrices { model promptPerMillion completionPerMillion } suggestedPrompts { locale prompts { title message } }';
export const settings = () =>
  gql<{ settings: Settings }>(`query { settings { ${SETTINGS} } }`).then((d) => d.settings);
export const updateSettings = (input: {
  retentionDays: number;
  redactEmails: boolean;
  redactPhoneNumbers: boolean;
  modelPrices: ModelPrice[];
  suggestedPrompts: SuggestedPrompts[];
}) =>
  gql<{ updateSettings: Settings }>(
    `mutation($r: Int, $e: Boolean, $p: Boolean, $m: [ModelPriceInput!], $s: [SuggestedPromptsInput!]) {
      updateSettings(retentionDays: $r, redactEmails: $e, redactPhoneNumbers: $p, modelPrices: $m, suggestedPrompts: $s) { ${SETTINGS} } }`,
    {
      r: input.retentionDays,
      e: input.redactEmails,
      p: input.redactPhoneNumbers,
      m: input.modelPrices,
      s: input.suggestedPrompts,
    },
  ).then((d) => d.updateSettings);

// Playground
export type AskEvent =
  | { type: 'status'; stage: string }
  | { type: 'delta'; text: string }
  | { type: 'done'; result: AskResult };
export async function* ask(
  question: string,
  threadId: string | null,
  signal: AbortSignal,
  collections: readonly string[] = [],
): AsyncGenerator<AskEvent> {
  for await (const message of postEventStream(
    '/api/v1/ask',
    { question, ...(threadId ? { threadId } : {}), ...(collections.length ? { collections } : {}) },
    signal,
  )) {
    const data = JSON.parse(message.data) as Record<string, unknown>;
    if (message.event === 'status') yield { type: 'status', stage: String(data.stage) };
    else if (message.event === 'delta') yield { type: 'delta', text: String(data.text) };
    else if (message.event === 'done') yield { type: 'done', result: data as unknown as AskResult };
    else if (message.event === 'error') {
      throw new ApiError(String(data.code ?? 'internal'), String(data.message ?? t('error.answerFailed')));
    }
  }
}

// ---------- connector sources ----------

const CONNECTOR_SOURCE =
  'id name kind config hasSecret scheduleMinutes paused state documentCount collection { id name } lastRun { number startedAt finishedAt added changed unchanged deleted failed failures { item reason } error }';

export const sources = () =>
  gql<{ sources: ConnectorSource[] }>(`query { sources { ${CONNECTOR_SOURCE} } }`).then((d) => d.sources);

export const createSource = (input: {
  name: string;
  kind: string;
  collectionId: string;
  config: Record<string, unknown>;
  secret?: string | undefined;
  scheduleMinutes?: number | undefined;
}) =>
  gql<{ createSource: ConnectorSource }>(
    `mutation($name: String!, $kind: String!, $collectionId: ID!, $config: JSON!, $secret: String, $scheduleMinutes: Int) {
      createSource(name: $name, kind: $kind, collectionId: $collectionId, config: $config, secret: $secret, scheduleMinutes: $scheduleMinutes) { ${CONNECTOR_SOURCE} } }`,
    input,
  ).then((d) => d.createSource);

export const updateSource = (id: string, changes: { paused?: boolean; scheduleMinutes?: number }) =>
  gql<{ updateSource: ConnectorSource }>(
    `mutation($id: ID!, $paused: Boolean, $scheduleMinutes: Int) { updateSource(id: $id, paused: $paused, scheduleMinutes: $scheduleMinutes) { ${CONNECTOR_SOURCE} } }`,
    { id, ...changes },
  ).then((d) => d.updateSource);

export const deleteSource = (id: string) =>
  gql<{ deleteSource: boolean }>('mutation($id: ID!) { deleteSource(id: $id) }', { id });

export const runSource = (id: string) =>
  gql<{ runSource: boolean }>('mutation($id: ID!) { runSource(id: $id) }', { id });

export const testSource = (kind: string, config: Record<string, unknown>, secret?: string) =>
  gql<{ testSource: { ok: boolean; message: string | null } }>(
    'mutation($kind: String!, $config: JSON!, $secret: String) { testSource(kind: $kind, config: $config, secret: $secret) { ok message } }',
    { kind, config, ...(secret ? { secret } : {}) },
  ).then((d) => d.testSource);
