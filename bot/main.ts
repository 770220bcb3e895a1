/**
 * The web process: composition root. Loads the config, opens the database, bootstraps a fresh one,
 * starts the job queue (in-process without REDIS_URL), serves HTTP, and shuts down gracefully.
 */
import path from 'node:path';
import { AppError, type Config, ConfigError, type JobQueue, loadConfig, type ProgressFeed } from '#core';
import { bootstrapDatabase, describeStartupError, openEmbeddedDatabase } from '#db';
import { resolveJwtSecret } from '../admin/api/index.ts';
import { createSourceStore } from '../db/sources.ts';
import { type BullmqQueue, createBullmqQueue } from '../workers/bullmq-queue.ts';
import { startFolderWatching, startSources } from '../workers/connectors/index.ts';
import { createEngine, createFileStore } from '../workers/engine.ts';
import type { RecurringJobs } from '../workers/housekeeping-schedule.ts';
import { createInProcessProgressFeed } from '../workers/in-process-progress-feed.ts';
import { createInProcessQueue } from '../workers/in-process-queue.ts';
import { publishIngestFailures } from '../workers/job-handlers.ts';
import { createLogger } from '../workers/logger.ts';
import { createStartupRequeuer } from '../workers/recovery.ts';
import { createRedisProgressFeed } from '../workers/redis-progress-feed.ts';
import { createRedisRateLimitStore } from '../workers/redis-rate-limit-store.ts';
import { buildApp } from './app.ts';
import { CONSOLE_DIST, consoleBuildReason } from './console-build.ts';
import { readServerInfo, removeServerInfo, writeServerInfo } from './data-dir.ts';
import { formatFirstStart, keepFirstStartCredentials, pendingFirstStartCredentials } from './first-start.ts';
import { type ReadinessCheck, ShuttingDownError } from './health-routes.ts';
import { explainListenError } from './listen-errors.ts';
import { createLocalAdminToken } from './local-admin-token.ts';
import { seedSampleDocuments } from './sample-docs.ts';
import { formatBanner, summarizeSetup } from './setup-summary.ts';
import { bullmqJobsStatus, defaultJobsStatus } from './system-status.ts';
import { appVersion } from './versions.ts';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `ex-GPT cannot start.\n${error.message}\nSee .env.example for every variable and its default.\n`,
      );
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config);
  const dataDir = path.resolve(config.DATA_DIR);
  /** Set once the local admin token exists: a dying database thread must not leave it behind. */
  let removeLocalAdminToken = () => {};

  const running = readServerInfo(dataDir);
  if (running && !config.DATABASE_URL) {
    process.stderr.write(
      `Another ex-GPT server (pid ${running.pid}, ${running.url}) is using ${dataDir}.\n` +
        'The embedded database allows one process per data directory: stop it first, or set DATA_DIR.\n',
    );
    process.exit(1);
  }

  // With REDIS_URL, jobs run in worker processes: this process only enqueues, and progress comes back
  // over Redis. Without DATABASE_URL the workers reach the embedded database through this process.
  const redis = config.REDIS_URL ? { url: config.REDIS_URL, prefix: config.REDIS_PREFIX } : null;
  const progressFeed: ProgressFeed = redis
    ? createRedisProgressFeed({ ...redis, logger })
    : createInProcessProgressFeed();
  // Several web processes behind one load balancer count sign-ins and questions together.
  const rateLimits = redis ? createRedisRateLimitStore({ ...redis, logger }) : null;
  // Without DATABASE_URL, DATA_DIR's PGlite runs in a thread of its own and this thread reaches it over its
  // socket (so do the workers with REDIS_URL): no SQL statement ever holds the thread that answers HTTP.
  const embedded = config.DATABASE_URL
    ? null
    : await openEmbeddedDatabase({
        dataDir,
        maxConnections: 100,
        poolSize: config.DATABASE_POOL_SIZE,
        onDeath: (sentence) => {
          process.stderr.write(`ex-GPT stopped: ${sentence}\n`);
          removeLocalAdminToken();
          removeServerInfo(dataDir);
          process.exit(1);
        },
      });
  const engine = await createEngine({
    config,
    logger,
    files: createFileStore(config),
    ...(embedded ? { database: embedded } : {}),
    onProgress: (documentId, progress) =>
      progressFeed.publish({
        documentId,
        progress,
        status: progress.stage === 'done' ? 'ready' : progress.stage === 'failed' ? 'failed' : 'processing',
      }),
    documentLink: (id) => `${publicUrl(config)}/documents/${id}`,
  });
  const boot = await bootstrapDatabase(engine.database.db, {
    adminEmail: config.ADMIN_EMAIL,
    adminPassword: config.ADMIN_PASSWORD,
  });
  // Kept before anything else can fail (a busy port…): a later start shows them again.
  keepFirstStartCredentials(dataDir, boot);

  // A rolling upgrade: the load balancer sees 503 from the moment shutdown begins and sends new requests
  // to the other processes, while this one finishes what it has (SHUTDOWN_DRAIN_MS) before closing.
  let stopping = false;
  const readinessChecks: ReadinessCheck[] = [
    {
      name: 'shutdown',
      check: async () => {
        if (stopping) throw new ShuttingDownError();
      },
    },
  ];
  let assertCanEnqueue: (() => Promise<void>) | undefined;
  let bullmq: BullmqQueue | null = null;
  let queue: JobQueue & RecurringJobs;
  if (redis) {
    const redisQueue = createBullmqQueue({
      ...redis,
      logger,
      attempts: config.JOB_ATTEMPTS,
      backoffMs: config.JOB_BACKOFF_MS,
    });
    bullmq = redisQueue;
    queue = redisQueue;
    readinessChecks.push({ name: 'redis', check: () => redisQueue.ping() });
    // Uploads are refused while Redis is away rather than accepted and left waiting; questions go on.
    assertCanEnqueue = async () => {
      if (!redisQueue.isAvailable()) {
        throw new AppError(
          'unavailable',
          'Uploads are paused: the job queue (Redis) is not reachable. Try again shortly.',
        );
      }
    };
  } else {
    queue = createInProcessQueue({
      handlers: engine.handlers,
      logger: logger.child({ component: 'jobs' }),
      concurrency: config.WORKER_CONCURRENCY,
      maxAttempts: config.JOB_ATTEMPTS,
      backoffMs: config.JOB_BACKOFF_MS,
      shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
      onFailed: publishIngestFailures(engine.onJobFailed, (event) => progressFeed.publish(event)),
    });
  }
  // Anything accepted before a crash or restart and not finished is picked up again; on Redis also
  // whenever it comes back (a restarted Redis may have lost its queue). Job ids make this idempotent.
  const requeue = createStartupRequeuer({
    db: engine.database.db,
    documents: engine.documents,
    embedder: engine.embedder,
    queue,
    logger,
    retentionDays: config.RETENTION_DAYS,
  });
  if (bullmq) bullmq.onAvailable(() => void requeue());
  else await requeue();
  // Connector sources: their schedules, and runs a crash interrupted, resumed.
  const startConnectorSources = () =>
    createSourceStore(engine.database.db)
      .list()
      .then((sources) => startSources(queue, sources))
      .catch((error: unknown) => logger.warn({ err: error }, 'connector schedules not registered'));
  if (bullmq) bullmq.onAvailable(() => void startConnectorSources());
  else await startConnectorSources();
  // Folder sources also sync on file-system events, between their scheduled rescans.
  const folderWatching = startFolderWatching({
    sources: createSourceStore(engine.database.db),
    queue,
    logger,
  });
  await folderWatching
    .refresh()
    .catch((error: unknown) => logger.warn({ err: error }, 'folder sources not watched'));

  const localAdminToken = createLocalAdminToken(dataDir);
  removeLocalAdminToken = () => localAdminToken.remove();
  const setup = summarizeSetup(config);
  const app = await buildApp({
    localAdminToken: localAdminToken.value,
    jobsStatus: bullmq ? bullmqJobsStatus(bullmq, setup.jobs) : defaultJobsStatus(queue),
    config,
    logger,
    database: engine.database,
    ask: engine.ask,
    documents: engine.documents,
    files: engine.files,
    queue,
    readinessChecks,
    ...(assertCanEnqueue ? { assertCanEnqueue } : {}),
    progressFeed,
    ...(rateLimits ? { rateLimits } : {}),
    // JWT_SECRET, or one generated once and kept in DATA_DIR so console sessions survive restarts.
    jwtSecret: resolveJwtSecret(config, dataDir),
    // `npm start` builds it first (prestart); started otherwise, the API runs without a console.
    ...(consoleBuildReason() === 'not built yet' ? {} : { consoleDir: CONSOLE_DIST }),
  });
  if (consoleBuildReason() === 'not built yet') {
    logger.warn('admin console not built: run `npm run build:console` (npm start does it for you)');
  }
  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    const explained = explainListenError(error, config);
    if (!explained) throw error;
    process.stderr.write(`ex-GPT cannot start: ${explained}\n`);
    localAdminToken.remove();
    folderWatching.close();
    await app.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    await engine.close().catch(() => undefined);
    process.exit(1);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  writeServerInfo(dataDir, { pid: process.pid, url, startedAt: new Date().toISOString() });

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000 + config.SHUTDOWN_DRAIN_MS);
    force.unref();
    try {
      await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DRAIN_MS));
      folderWatching.close();
      await app.close();
      await rateLimits?.close();
      await queue.close();
      await progressFeed.close();
      await engine.close();
    } finally {
      localAdminToken.remove();
      removeServerInfo(dataDir);
      clearTimeout(force);
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  process.stdout.write(
    formatBanner(url, setup, {
      version: `${appVersion()} (Node ${process.versions.node})`,
      console:
        consoleBuildReason() === 'not built yet'
          ? 'not built (run npm run build:console)'
          : `${publicUrl(config, url)}`,
    }),
  );
  const pending = await pendingFirstStartCredentials(engine.database.db, dataDir);
  if (pending) process.stdout.write(formatFirstStart(publicUrl(config, url), pending));
  // Also after a first start that failed before seeding (pending credentials); unchanged files are skipped.
  if ((boot.created || pending) && config.SEED_SAMPLE_DOCS) {
    // Stored before queued: if Redis is away the guide is queued when it returns.
    await seedSampleDocuments({ db: engine.database.db, documents: engine.documents, queue, logger }).catch(
      (error: unknown) => logger.warn({ err: error }, 'sample documents stored but not queued yet'),
    );
  }
}

function publicUrl(config: Config, listening?: string): string {
  return (config.PUBLIC_URL ?? listening ?? `http://localhost:${config.PORT}`).replace(/\/$/, '');
}

main().catch((error: unknown) => {
  process.stderr.write(`ex-GPT failed to start: ${describeStartupError(error)}\n`);
  process.exit(1);
});
