import {
  type DocumentProgressEvent,
  type DocumentRepository,
  type FailedJob,
  type JobName,
  type JobPayloads,
  type Logger,
  UnprocessableDocumentError,
} from '#core';
import type { DocumentIngestor } from '../core/ingest-document.ts';
import {
  createPurgeConversationsHandler,
  createRollupUsageHandler,
  type HousekeepingDeps,
} from './housekeeping.job.ts';
import { createReembedAllHandler, type ReembedDeps } from './reembed-all.job.ts';
import { createReindexLexicalHandler } from './reindex-lexical.job.ts';

export interface JobContext {
  /** 1 on the first run, 2 on the first retry... */
  readonly attempt: number;
  /** Aborted when the process shuts down and cannot wait for the job any longer. */
  readonly signal: AbortSignal;
}

export type JobHandler<N extends JobName> = (payload: JobPayloads[N], context: JobContext) => Promise<void>;
export type JobHandlers = { readonly [N in JobName]?: JobHandler<N> };

/** A job that failed for good, as the failure hook sees it. */
export type JobFailure = FailedJob extends infer F
  ? F extends FailedJob
    ? Pick<F, 'id' | 'name' | 'payload' | 'reason'>
    : never
  : never;

/** Called once when a job has failed for good (not on the failures that are retried). */
export type JobFailureHandler = (job: JobFailure) => Promise<void>;

export interface JobHandlerDeps extends ReembedDeps, HousekeepingDeps {
  readonly ingestor: DocumentIngestor;
  readonly documents: DocumentRepository;
  readonly logger: Logger;
}

/** The typed handlers every queue adapter runs. Each is idempotent: running a job twice is harmless. */
export function createJobHandlers(deps: JobHandlerDeps): JobHandlers {
  return {
    'ingest-document': async ({ documentId, version }, { signal }) => {
      const outcome = await deps.ingestor.ingest(documentId, version, signal);
      // The document already shows why; failing the job too keeps it among the failed jobs, not retried.
      if (outcome.status === 'failed') throw new UnprocessableDocumentError(outcome.error);
    },
    'delete-document': async ({ documentId }) => {
      await deps.documents.delete(documentId);
    },
    'reembed-all': createReembedAllHandler(deps),
    'reindex-lexical': createReindexLexicalHandler(deps),
    'purge-conversations': createPurgeConversationsHandler(deps),
    'rollup-usage': createRollupUsageHandler(deps),
  };
}

/**
 * What a final failure means for the domain: a document whose ingestion ran out of attempts is marked
 * failed with the reason, so the console shows it instead of "processing" forever (re-uploading the same
 * file, or re-running the failed job, tries again).
 */
export function createJobFailureRecorder(
  deps: Pick<JobHandlerDeps, 'documents' | 'logger'>,
): JobFailureHandler {
  return async (job) => {
    deps.logger.error({ jobId: job.id, job: job.name, reason: job.reason }, 'job failed for good');
    if (job.name === 'ingest-document') {
      const { documentId, version } = job.payload;
      const document = await deps.documents.get(documentId);
      // A file that cannot be read was marked failed with its own reason already.
      if (
        document?.version === version &&
        (document.status === 'queued' || document.status === 'processing')
      ) {
        await deps.documents.markFailed(documentId, version, `Indexing failed: ${job.reason}`);
      }
    }
  };
}

/** `onFailed` that also tells live progress subscribers that a document's ingestion gave up. */
export function publishIngestFailures(
  onFailed: JobFailureHandler,
  publish: (event: DocumentProgressEvent) => void,
): JobFailureHandler {
  return async (job) => {
    await onFailed(job);
    if (job.name === 'ingest-document') {
      publish({
        documentId: job.payload.documentId,
        progress: { stage: 'failed', percent: 100 },
        status: 'failed',
        error: job.reason,
      });
    }
  };
}
