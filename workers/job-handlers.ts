import {
  AppError,
  type DocumentProgressEvent,
  type DocumentRepository,
  type FailedJob,
  isAppError,
  type JobName,
  type JobPayloads,
  type Logger,
  UnprocessableDocumentError,
} from '#core';
import { DISK_FULL_MESSAGE, isDiskFullError } from '#db';
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

/** The longest failure reason stored on a document or a failed job, or logged. */
export const MAX_REASON_LENGTH = 500;

export function capReason(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

/**
 * The error a queue adapter sees, logs and stores for a failed handler: short, and never carrying a
 * statement's parameters or document text. A failed statement's error (drizzle's "Failed query: … params:
 * …", whose parameters held a document's whole vocabulary, 234 MB) is replaced by its driver's message;
 * every message is capped, and the original is not attached as a cause (loggers print causes whole).
 */
export function toJobError(error: unknown): Error {
  if (isAppError(error)) {
    if (error.message.length <= MAX_REASON_LENGTH && error.cause === undefined) return error;
    const capped =
      error instanceof UnprocessableDocumentError
        ? new UnprocessableDocumentError(capReason(error.message))
        : new AppError(error.code, capReason(error.message), { expose: error.expose });
    return capped;
  }
  // Retried like any passing outage: the same work succeeds once space is freed.
  if (isDiskFullError(error)) return new AppError('unavailable', DISK_FULL_MESSAGE, { expose: true });
  const driverError =
    error instanceof Error && error.message.startsWith('Failed query:') && error.cause instanceof Error
      ? error.cause
      : error;
  const message = driverError instanceof Error ? driverError.message : String(driverError);
  const safe = new Error(
    capReason(message.startsWith('Failed query:') ? 'a database statement failed' : message),
  );
  safe.name = driverError instanceof Error ? driverError.name : 'Error';
  const code = (driverError as { code?: unknown } | null)?.code;
  if (typeof code === 'string') Object.assign(safe, { code });
  return safe;
}

function sanitized<N extends JobName>(handler: JobHandler<N>): JobHandler<N> {
  return async (payload, context) => {
    try {
      await handler(payload, context);
    } catch (error) {
      throw toJobError(error);
    }
  };
}

/** The typed handlers every queue adapter runs. Each is idempotent: running a job twice is harmless. */
export function createJobHandlers(deps: JobHandlerDeps): JobHandlers {
  const handlers: { readonly [N in JobName]: JobHandler<N> } = {
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
  // Complete by type: a job name left out here is a compile error, not "no handler" at run time.
  const wrapped: { readonly [N in JobName]: JobHandler<N> } = {
    'ingest-document': sanitized(handlers['ingest-document']),
    'delete-document': sanitized(handlers['delete-document']),
    'reembed-all': sanitized(handlers['reembed-all']),
    'reindex-lexical': sanitized(handlers['reindex-lexical']),
    'purge-conversations': sanitized(handlers['purge-conversations']),
    'rollup-usage': sanitized(handlers['rollup-usage']),
  };
  return wrapped;
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
    const reason = capReason(job.reason);
    deps.logger.error({ jobId: job.id, job: job.name, reason }, 'job failed for good');
    if (job.name === 'ingest-document') {
      const { documentId, version } = job.payload;
      const document = await deps.documents.get(documentId);
      // A file that cannot be read was marked failed with its own reason already.
      if (
        document?.version === version &&
        (document.status === 'queued' || document.status === 'processing')
      ) {
        await deps.documents.markFailed(documentId, version, `Indexing failed: ${reason}`);
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
        error: capReason(job.reason),
      });
    }
  };
}
