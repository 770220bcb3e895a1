/** The System status page's one query (admins only): configuration, live checks and sizes. */
import { gql } from './client.ts';

export interface ComponentCheck {
  ok: boolean;
  detail: string;
  latencyMs: number | null;
}

export interface PlatformStatus {
  enabled: boolean;
  detail: string;
  missing: string | null;
}

/** The search index moving to the current text analysis after an upgrade. */
export interface LexicalReindex {
  analysisVersion: number;
  reindexed: number;
  total: number;
  running: boolean;
}

export interface SystemStatus {
  checkedAt: string;
  version: string;
  nodeVersion: string;
  databaseVersion: string;
  database: ComponentCheck;
  jobs: {
    ok: boolean;
    mode: 'in-process' | 'redis';
    detail: string;
    waiting: number;
    active: number;
    failed: number;
    workers: { address: string; lastSeenAt: string }[];
  };
  embedder: {
    model: string;
    dimensions: number | null;
    detail: string;
    reembedding: { model: string; embedded: number; total: number } | null;
  };
  chatModel: {
    configured: boolean;
    model: string | null;
    fallbackModel: string | null;
    url: string | null;
    reachable: boolean | null;
    latencyMs: number | null;
    reason: string | null;
  };
  slack: PlatformStatus;
  teams: PlatformStatus;
  dataDir: string;
  dataDirBytes: number | null;
  databaseBytes: number;
  indexBytes: number;
  chunks: number;
  documentsByStatus: Record<string, number>;
  lexicalReindex: LexicalReindex;
}

const QUERY = `query SystemStatus { systemStatus {
  checkedAt version nodeVersion databaseVersion
  database { ok detail latencyMs }
  jobs { ok mode detail waiting active failed workers { address lastSeenAt } }
  embedder { model dimensions detail reembedding { model embedded total } }
  chatModel { configured model fallbackModel url reachable latencyMs reason }
  slack { enabled detail missing } teams { enabled detail missing }
  dataDir dataDirBytes databaseBytes indexBytes chunks documentsByStatus
  lexicalReindex { analysisVersion reindexed total running }
} }`;

export const systemStatus = () => gql<{ systemStatus: SystemStatus }>(QUERY).then((d) => d.systemStatus);

/** The re-index's progress alone: what the page polls while it runs (the full status probes the model server). */
export const lexicalReindex = () =>
  gql<{ lexicalReindex: LexicalReindex }>(
    '{ lexicalReindex { analysisVersion reindexed total running } }',
  ).then((d) => d.lexicalReindex);
