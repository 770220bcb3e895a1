/** The workers folder's public surface: queue adapters, the worker runner, handlers and the engine wiring. */
export {
  type BullmqConnectionOptions,
  type BullmqQueue,
  type BullmqQueueOptions,
  createBullmqQueue,
  DEFAULT_REDIS_PREFIX,
  fromBullmqJobId,
  QUEUE_NAME,
  toBullmqJobId,
} from './bullmq-queue.ts';
export { type BullmqWorker, type BullmqWorkerOptions, startBullmqWorker } from './bullmq-worker.ts';
export {
  createEmbedder,
  createEmbedderForModel,
  createEngine,
  type Engine,
  type EngineOptions,
} from './engine.ts';
export { DAY_MS, HOUR_MS, type RecurringJobs, scheduleHousekeeping } from './housekeeping-schedule.ts';
export { createInProcessProgressFeed } from './in-process-progress-feed.ts';
export { createInProcessQueue, type InProcessQueue, type InProcessQueueOptions } from './in-process-queue.ts';
export {
  createJobFailureRecorder,
  createJobHandlers,
  type JobContext,
  type JobFailure,
  type JobFailureHandler,
  type JobHandler,
  type JobHandlerDeps,
  type JobHandlers,
} from './job-handlers.ts';
export { createLogger } from './logger.ts';
export {
  createStartupRequeuer,
  recoverUnfinishedDocuments,
  reembedJobId,
  requeueStartupWork,
  type StartupWork,
  scheduleReembedIfNeeded,
} from './recovery.ts';
export { createRedisClient, watchConnection } from './redis-connection.ts';
export { createRedisProgressFeed, progressChannel } from './redis-progress-feed.ts';
