import type { DocumentIngestor } from '../core/ingest-document.ts';
import type { DocumentRepository, JobName, JobPayloads, Logger } from '#core';

export interface JobContext {
  readonly attempt: number;
  readonly signal: AbortSignal;
}

export type JobHandler<N extends JobName> = (payload: JobPayloads[N], context: JobContext) => Promise<void>;
export type JobHandlers = { readonly [N in JobName]?: JobHandler<N> };

export interface JobHandlerDeps {
  readonly ingestor: DocumentIngestor;
  readonly documents: DocumentRepository;
  readonly logger: Logger;
}

/** The typed handlers every queue adapter runs. Each is idempotent: running a job twice is harmless. */
export function createJobHandlers(deps: JobHandlerDeps): JobHandlers {
  return {
    'ingest-document': async ({ documentId, version }, { signal }) => {
      await deps.ingestor.ingest(documentId, version, signal);
    },
    'delete-document': async ({ documentId }) => {
      await deps.documents.delete(documentId);
    },
  };
}
