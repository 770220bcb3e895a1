/**
 * The figures behind the admin's System status page, read live on each request: the setup summary the
 * banner prints, plus a ping of the database, the job queue's counts and workers, a reachability check
 * of the chat model's server, and sizes on disk.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config, JobQueue } from '#core';
import { countDocumentsByStatus, type Database, readDatabaseStats } from '#db';
import type { SystemStatus } from '../admin/api/index.ts';
import type { BullmqQueue } from '../workers/bullmq-queue.ts';
import type { InProcessQueue } from '../workers/in-process-queue.ts';
import { probeModelServer } from './model-probe.ts';
import { modelServerUrl, summarizeSetup } from './setup-summary.ts';
import { appVersion } from './versions.ts';

export type JobsStatus = SystemStatus['jobs'];

const MODEL_PROBE_TIMEOUT_MS = 3000;

export function createSystemStatusReader(deps: {
  config: Config;
  database: Database;
  jobs: () => Promise<JobsStatus>;
}): () => Promise<SystemStatus> {
  const { config, database } = deps;
  const dataDir = path.resolve(config.DATA_DIR);
  return async () => {
    const setup = summarizeSetup(config);
    const [db, jobs, stats, documents, model, dataDirBytes] = await Promise.all([
      timed(() => database.ping()),
      deps.jobs(),
      readDatabaseStats(database.db),
      countDocumentsByStatus(database.db),
      config.CHAT_MODEL ? probeModelServer(config, MODEL_PROBE_TIMEOUT_MS) : Promise.resolve(null),
      directorySize(dataDir),
    ]);
    return {
      checkedAt: new Date(),
      version: appVersion(),
      nodeVersion: process.versions.node,
      databaseVersion: stats.serverVersion,
      database: { ok: db.ok, detail: db.ok ? setup.database : 'not reachable', latencyMs: db.latencyMs },
      jobs,
      embedder: {
        model: stats.activeEmbeddingModel?.name ?? config.EMBEDDING_MODEL,
        dimensions: stats.activeEmbeddingModel?.dimensions ?? null,
        detail: setup.embedder,
        reembedding: stats.reembedding,
      },
      chatModel: {
        configured: Boolean(config.CHAT_MODEL),
        model: config.CHAT_MODEL ?? null,
        fallbackModel: config.CHAT_FALLBACK_MODEL ?? null,
        url: config.CHAT_MODEL ? modelServerUrl(config) : null,
        reachable: model ? model.reachable : null,
        latencyMs: model ? model.latencyMs : null,
        reason: model?.reason ?? null,
      },
      slack: setup.slack,
      teams: setup.teams,
      dataDir,
      dataDirBytes,
      databaseBytes: stats.databaseBytes,
      indexBytes: stats.indexBytes,
      chunks: stats.chunks,
      documentsByStatus: documents,
    };
  };
}

export function inProcessJobsStatus(queue: Pick<InProcessQueue, 'stats'>): () => Promise<JobsStatus> {
  return async () => ({
    ok: true,
    mode: 'in-process',
    detail: 'jobs run inside the web process',
    ...queue.stats(),
    workers: [],
  });
}

export function bullmqJobsStatus(
  queue: Pick<BullmqQueue, 'counts' | 'workers' | 'isAvailable'>,
  detail: string,
): () => Promise<JobsStatus> {
  return async () => {
    try {
      const [counts, workers] = await Promise.all([queue.counts(), queue.workers()]);
      return {
        ok: true,
        mode: 'redis',
        detail: workers.length === 0 ? `${detail}: no worker is connected (run npm run worker)` : detail,
        waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0),
        active: counts.active ?? 0,
        failed: counts.failed ?? 0,
        workers,
      };
    } catch {
      return {
        ok: false,
        mode: 'redis',
        detail: 'Redis is not reachable',
        waiting: 0,
        active: 0,
        failed: 0,
        workers: [],
      };
    }
  };
}

/** For buildApp callers that pass no jobs status (tests): in-process queues report theirs. */
export function defaultJobsStatus(queue: JobQueue): () => Promise<JobsStatus> {
  if ('stats' in queue && typeof queue.stats === 'function') {
    return inProcessJobsStatus(queue as Pick<InProcessQueue, 'stats'>);
  }
  return async () => ({
    ok: true,
    mode: 'in-process',
    detail: 'unknown queue',
    waiting: 0,
    active: 0,
    failed: 0,
    workers: [],
  });
}

async function timed(check: () => Promise<void>): Promise<{ ok: boolean; latencyMs: number | null }> {
  const started = performance.now();
  try {
    await check();
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch {
    return { ok: false, latencyMs: null };
  }
}

/** Bytes of every file below `dir`; null when it does not exist. */
async function directorySize(dir: string): Promise<number | null> {
  try {
    let total = 0;
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    await Promise.all(
      entries
        .filter((e) => e.isFile())
        .map(async (e) => {
          const info = await stat(path.join(e.parentPath, e.name)).catch(() => null);
          total += info?.size ?? 0;
        }),
    );
    return total;
  } catch {
    return null;
  }
}
