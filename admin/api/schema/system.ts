/** System status for admins: how this install is configured and whether each part answers right now. */
import type { IResolvers } from '@graphql-tools/utils';
import { AppError, LEXICAL_ANALYSIS_VERSION } from '#core';
import { type Db, lexicalReindexProgress } from '#db';
import type { AdminContext } from '../context.ts';

export const typeDefs = `
type ComponentCheck {
  "Whether it answered just now."
  ok: Boolean!
  "What it is (e.g. embedded PGlite in ./data), or why it failed; never a secret."
  detail: String!
  latencyMs: Int
}

type QueueWorker {
  address: String!
  "When the worker last talked to Redis: its heartbeat."
  lastSeenAt: DateTime!
}

type JobsStatus {
  ok: Boolean!
  "in-process or redis"
  mode: String!
  detail: String!
  waiting: Int!
  active: Int!
  failed: Int!
  "Worker processes connected to Redis (empty in-process: this process runs the jobs)."
  workers: [QueueWorker!]!
}

type ReembedProgress {
  model: String!
  embedded: Int!
  total: Int!
}

type EmbedderStatus {
  model: String!
  dimensions: Int
  detail: String!
  "Set while a changed EMBEDDING_MODEL is being built in the background."
  reembedding: ReembedProgress
}

type ChatModelStatus {
  "False: answers are extractive (quoted sentences), no model server involved."
  configured: Boolean!
  model: String
  fallbackModel: String
  "The OpenAI-compatible server, without credentials."
  url: String
  "Checked live when the status is read."
  reachable: Boolean
  latencyMs: Int
  reason: String
}

type PlatformStatus {
  enabled: Boolean!
  "How it connects, or why it is off."
  detail: String!
  "When off: the variable to set to turn it on."
  missing: String
}

"Moving the BM25 index to the current text analysis after an upgrade (answers keep working meanwhile)."
type LexicalReindexStatus {
  "The text analysis this release indexes with."
  analysisVersion: Int!
  "Chunks already indexed with it."
  reindexed: Int!
  total: Int!
  "Whether chunks from an older analysis remain (the reindex-lexical job is working through them)."
  running: Boolean!
}

type SystemStatus {
  checkedAt: DateTime!
  version: String!
  nodeVersion: String!
  databaseVersion: String!
  database: ComponentCheck!
  jobs: JobsStatus!
  embedder: EmbedderStatus!
  chatModel: ChatModelStatus!
  slack: PlatformStatus!
  teams: PlatformStatus!
  "The data directory, and its size on disk in bytes (embedded database, uploads, keys)."
  dataDir: String!
  dataDirBytes: Float
  databaseBytes: Float!
  "Chunks, vectors and the BM25 tables with their indexes."
  indexBytes: Float!
  chunks: Int!
  documentsByStatus: JSON!
  lexicalReindex: LexicalReindexStatus!
}

type Query {
  "How this install is configured and whether each part answers, checked live."
  systemStatus: SystemStatus! @allow(roles: [admin])
  "The search index's re-indexing alone: cheap enough to poll while it runs."
  lexicalReindex: LexicalReindexStatus! @allow(roles: [admin])
}
`;

export interface SystemStatus {
  readonly checkedAt: Date;
  readonly version: string;
  readonly nodeVersion: string;
  readonly databaseVersion: string;
  readonly database: { ok: boolean; detail: string; latencyMs: number | null };
  readonly jobs: {
    ok: boolean;
    mode: 'in-process' | 'redis';
    detail: string;
    waiting: number;
    active: number;
    failed: number;
    workers: readonly { address: string; lastSeenAt: Date }[];
  };
  readonly embedder: {
    model: string;
    dimensions: number | null;
    detail: string;
    reembedding: { model: string; embedded: number; total: number } | null;
  };
  readonly chatModel: {
    configured: boolean;
    model: string | null;
    fallbackModel: string | null;
    url: string | null;
    reachable: boolean | null;
    latencyMs: number | null;
    reason: string | null;
  };
  readonly slack: { enabled: boolean; detail: string; missing: string | null };
  readonly teams: { enabled: boolean; detail: string; missing: string | null };
  readonly dataDir: string;
  readonly dataDirBytes: number | null;
  readonly databaseBytes: number;
  readonly indexBytes: number;
  readonly chunks: number;
  readonly documentsByStatus: Record<string, number>;
}

async function lexicalReindexStatus(db: Db) {
  const { stale, total } = await lexicalReindexProgress(db, LEXICAL_ANALYSIS_VERSION);
  return { analysisVersion: LEXICAL_ANALYSIS_VERSION, reindexed: total - stale, total, running: stale > 0 };
}

export const resolvers: IResolvers<unknown, AdminContext> = {
  SystemStatus: {
    lexicalReindex: (_status, _args, ctx) => lexicalReindexStatus(ctx.services.db),
  },
  Query: {
    lexicalReindex: (_parent, _args, ctx) => lexicalReindexStatus(ctx.services.db),
    systemStatus: async (_parent, _args, ctx) => {
      const read = ctx.services.systemStatus;
      if (!read)
        throw new AppError('unavailable', 'System status is not available in this process.', {
          localized: { key: 'errors.noSystemStatus' },
        });
      return read();
    },
  },
};
