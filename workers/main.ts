/**
 * The worker process (`npm run worker`): composition root. Runs the job handlers on BullMQ with
 * WORKER_CONCURRENCY jobs at once, against REDIS_URL and the database the web process uses. Start as
 * many as the load needs. SIGTERM/SIGINT: stop taking jobs, let running ones finish (or hand them back
 * after SHUTDOWN_GRACE_MS), close the database, exit 0.
 */
import path from 'node:path';
import { type Config, ConfigError, loadConfig } from '#core';
import { describeStartupError, openDatabase, openSharedEmbeddedDatabase } from '#db';
import { createBullmqQueue } from './bullmq-queue.ts';
import { startBullmqWorker } from './bullmq-worker.ts';
import { createEngine, createFileStore } from './engine.ts';
import { startHeartbeat } from './heartbeat.ts';
import { publishIngestFailures } from './job-handlers.ts';
import { createLogger } from './logger.ts';
import { createStartupRequeuer } from './recovery.ts';
import { createRedisProgressFeed } from './redis-progress-feed.ts';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `ex-GPT worker cannot start.\n${error.message}\nSee .env.example for every variable.\n`,
      );
      process.exit(78);
    }
    throw error;
  }
  if (!config.REDIS_URL) {
    process.stderr.write(
      'ex-GPT worker cannot start: REDIS_URL is not set.\n' +
        'Workers take their jobs from Redis; without REDIS_URL, `npm start` runs the jobs itself.\n',
    );
    process.exit(78);
  }
  // The web process's database: PostgreSQL, or the embedded one it shares from DATA_DIR over a socket.
  const database = config.DATABASE_URL
    ? await openDatabase({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE })
    : await openSharedEmbeddedDatabase({
        dataDir: path.resolve(config.DATA_DIR),
        poolSize: config.DATABASE_POOL_SIZE,
      });
  if (!database) {
    process.stderr.write(
      'ex-GPT worker cannot start: no database.\n' +
        'Set DATABASE_URL to the PostgreSQL the web process uses, or start the web process first\n' +
        `(\`REDIS_URL=${config.REDIS_URL} npm start\`) so that it shares its embedded database from DATA_DIR.\n`,
    );
    process.exit(78);
  }
  const logger = createLogger(config, 'ex-gpt-worker');
  const redis = { url: config.REDIS_URL, prefix: config.REDIS_PREFIX };

  const progressFeed = createRedisProgressFeed({ ...redis, logger });
  const engine = await createEngine({
    config,
    logger,
    database,
    // Beside the web process's embedded database, its DATA_DIR/files; with DATABASE_URL, the rows.
    files: createFileStore(config),
    onProgress: (documentId, progress) =>
      progressFeed.publish({
        documentId,
        progress,
        status: progress.stage === 'done' ? 'ready' : progress.stage === 'failed' ? 'failed' : 'processing',
      }),
  });
  const queue = createBullmqQueue({
    ...redis,
    logger,
    attempts: config.JOB_ATTEMPTS,
    backoffMs: config.JOB_BACKOFF_MS,
  });
  const worker = startBullmqWorker({
    ...redis,
    handlers: engine.handlers,
    logger,
    concurrency: config.WORKER_CONCURRENCY,
    lockMs: config.JOB_LOCK_MS,
    onFailed: publishIngestFailures(engine.onJobFailed, (event) => progressFeed.publish(event)),
  });

  // Work accepted while no worker ran (or lost with a Redis that kept nothing) is queued again.
  const startupWork = {
    db: engine.database.db,
    documents: engine.documents,
    embedder: engine.embedder,
    queue,
    logger,
    retentionDays: config.RETENTION_DAYS,
  };
  const requeue = createStartupRequeuer(startupWork);
  queue.onAvailable(() => void requeue());
  worker
    .ready()
    .then(() => logger.info({}, 'worker ready'))
    .catch(() => {});
  logger.info({ concurrency: config.WORKER_CONCURRENCY }, 'worker started');
  const heartbeat = config.WORKER_HEARTBEAT_FILE
    ? startHeartbeat({
        file: config.WORKER_HEARTBEAT_FILE,
        check: async () => {
          await engine.database.ping();
          await queue.ping();
        },
      })
    : null;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, running: worker.running() }, 'worker shutting down');
    heartbeat?.stop();
    const force = setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS + 15_000);
    force.unref();
    let code = 0;
    try {
      await worker.close({ graceMs: config.SHUTDOWN_GRACE_MS });
      await queue.close();
      await progressFeed.close();
      await engine.close();
      logger.info({}, 'worker stopped');
    } catch (error) {
      logger.error({ err: error }, 'worker shutdown failed');
      code = 1;
    } finally {
      clearTimeout(force);
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`ex-GPT worker failed to start: ${describeStartupError(error)}\n`);
  process.exit(1);
});
