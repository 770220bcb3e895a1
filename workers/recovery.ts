/**
 * What a process re-queues when it starts, and (on Redis) each time Redis comes back: documents left
 * queued or half-processed, the re-embed of a configured model that is not active yet, and the
 * housekeeping schedules. Every step is idempotent (job ids, scheduler ids), so web and worker processes
 * may all run it, at any time, as often as they like.
 */
import {
  type DocumentRepository,
  type Embedder,
  ingestJobId,
  type JobQueue,
  LEXICAL_ANALYSIS_VERSION,
  type Logger,
} from '#core';
import { type Db, getEmbeddingModel, hasStaleLexicalChunks, markEmbeddingModelBuilding } from '#db';
import type { RecurringJobs } from './housekeeping-schedule.ts';
import { scheduleHousekeeping } from './housekeeping-schedule.ts';
import { reindexLexicalJobId } from './reindex-lexical.job.ts';

export function reembedJobId(model: string): string {
  return `reembed:${model}`;
}

/** Re-queues every document still queued or processing. Returns how many were enqueued (or already were). */
export async function recoverUnfinishedDocuments(deps: {
  readonly documents: DocumentRepository;
  readonly queue: JobQueue;
}): Promise<number> {
  const unfinished = await deps.documents.listUnfinished();
  for (const doc of unfinished) {
    await deps.queue.enqueue(
      'ingest-document',
      { documentId: doc.id, version: doc.version },
      { jobId: ingestJobId(doc.id, doc.version) },
    );
  }
  return unfinished.length;
}

/**
 * When the configured embedding model is not the active one (EMBEDDING_MODEL or its dimensions changed),
 * queues the job that fills its vectors and then activates it. Returns whether one was queued.
 */
export async function scheduleReembedIfNeeded(deps: {
  readonly db: Db;
  readonly embedder: Embedder;
  readonly queue: JobQueue;
  readonly logger: Logger;
}): Promise<boolean> {
  const model = await getEmbeddingModel(deps.db, deps.embedder.model);
  if (!model || model.state === 'active') return false;
  if (model.state === 'retired') await markEmbeddingModelBuilding(deps.db, model.name);
  await deps.queue.enqueue('reembed-all', { model: model.name }, { jobId: reembedJobId(model.name) });
  deps.logger.info(
    { model: model.name },
    'embedding model changed: re-embedding every chunk in the background',
  );
  return true;
}

/**
 * When chunks were indexed by an older text analysis (an upgrade changed it), queues the job that
 * re-analyses them. Returns whether one was queued.
 */
export async function scheduleLexicalReindexIfNeeded(deps: {
  readonly db: Db;
  readonly queue: JobQueue;
  readonly logger: Logger;
}): Promise<boolean> {
  const version = LEXICAL_ANALYSIS_VERSION;
  if (!(await hasStaleLexicalChunks(deps.db, version))) return false;
  await deps.queue.enqueue('reindex-lexical', { version }, { jobId: reindexLexicalJobId(version) });
  deps.logger.info({ version }, 'text analysis changed: re-indexing every chunk in the background');
  return true;
}

export interface StartupWork {
  readonly db: Db;
  readonly documents: DocumentRepository;
  readonly embedder: Embedder;
  readonly queue: JobQueue & RecurringJobs;
  readonly logger: Logger;
  readonly retentionDays: number;
}

/** All of the above; failures are logged, not thrown, so a process starts while Redis is still away. */
export async function requeueStartupWork(work: StartupWork): Promise<boolean> {
  const log = work.logger.child({ component: 'recovery' });
  try {
    const requeued = await recoverUnfinishedDocuments(work);
    if (requeued > 0) log.info({ documents: requeued }, 'unfinished documents re-queued');
    await scheduleReembedIfNeeded(work);
    await scheduleLexicalReindexIfNeeded(work);
    await scheduleHousekeeping(work.queue, { RETENTION_DAYS: work.retentionDays });
    return true;
  } catch (error) {
    log.warn({ err: error }, 're-queueing unfinished work failed; will retry when the queue is back');
    return false;
  }
}

/**
 * `requeueStartupWork` for callers that trigger it on events (Redis reconnecting): one run at a time, and
 * one more after it when triggered meanwhile.
 */
export function createStartupRequeuer(work: StartupWork): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await requeueStartupWork(work);
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  };
  return run;
}
