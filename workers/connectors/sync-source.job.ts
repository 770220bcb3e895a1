/**
 * The sync job: one run of one source. New and changed items go through the ingestion pipeline, items gone
 * at the source are deleted, the cursor and the run's counts are saved after every batch. Documents are
 * keyed by (source, external id), so a run resumed after a crash updates what the crashed one wrote
 * instead of adding it twice.
 */
import {
  type Connector,
  type ConnectorContext,
  type ConnectorFactory,
  type DocumentRepository,
  isAppError,
  type Logger,
  type SecretBox,
  type SourceItemRef,
  type SourceRun,
  type SourceStore,
  sha256Hex,
} from '#core';
import type { DocumentIngestor } from '../../core/ingest-document.ts';
import type { JobHandler } from '../job-handlers.ts';

export interface SyncSourceDeps {
  readonly sources: SourceStore;
  readonly documents: DocumentRepository;
  readonly ingestor: DocumentIngestor;
  readonly connectorFor: ConnectorFactory;
  readonly secrets: SecretBox;
  readonly logger: Logger;
  /** Live progress for the console: the run's counts after each batch. */
  readonly onRunProgress?: (sourceId: string, run: SourceRun) => void;
}

/** Failures kept with their reason on a run; the count says how many more there were. */
const MAX_FAILURES_KEPT = 50;

export function sourceKeyOf(sourceId: string, externalId: string): string {
  return `${sourceId}:${externalId}`;
}

export function syncSourceJobId(sourceId: string): string {
  return `sync-source:${sourceId}`;
}

function reasonOf(error: unknown): string {
  if (isAppError(error) && error.expose) return error.message;
  return 'the item could not be read';
}

export function createSyncSourceHandler(deps: SyncSourceDeps): JobHandler<'sync-source'> {
  const { sources, documents, ingestor, logger } = deps;

  // A scheduled run and a "run now" of the same source in one process: the second one is a no-op.
  const running = new Set<string>();

  return async (payload, context) => {
    if (running.has(payload.sourceId)) return;
    running.add(payload.sourceId);
    try {
      await runOnce(payload, context);
    } finally {
      running.delete(payload.sourceId);
    }
  };

  async function runOnce(
    { sourceId, manual }: { sourceId: string; manual?: boolean | undefined },
    { signal }: { signal: AbortSignal },
  ): Promise<void> {
    const source = await sources.get(sourceId);
    if (!source) return;
    if (source.paused && !manual) return;
    const log = logger.child({ sourceId, kind: source.kind });
    const connector: Connector = deps.connectorFor({
      kind: source.kind,
      config: source.config,
      secret: source.sealedSecret ? deps.secrets.open(source.sealedSecret) : null,
    });
    const started = await sources.startRun(sourceId);
    let run: SourceRun = started.run;
    const runNumber = run.number;
    let cursor = connector.mode === 'delta' ? started.cursor : null;
    const context: ConnectorContext = {
      signal,
      known: async (externalId) => {
        const found = await sources.findItem(sourceId, externalId);
        return found ? { version: found.version, state: found.state } : null;
      },
    };
    const count = (field: 'added' | 'changed' | 'unchanged' | 'deleted') => {
      run = { ...run, [field]: run[field] + 1 };
    };
    const fail = (item: string, reason: string) => {
      run = {
        ...run,
        failed: run.failed + 1,
        failures:
          run.failures.length < MAX_FAILURES_KEPT ? [...run.failures, { item, reason }] : run.failures,
      };
    };

    async function remove(externalId: string, documentId: string | null): Promise<void> {
      if (documentId) await documents.delete(documentId);
      await sources.deleteItem(sourceId, externalId);
      count('deleted');
    }

    async function upsert(item: SourceItemRef): Promise<void> {
      const known = await sources.findItem(sourceId, item.externalId);
      if (known?.version === item.version && known.documentId) {
        const current = await documents.get(known.documentId);
        // A crash between storing and indexing leaves it queued: index it now rather than call it unchanged.
        if (current && (current.status === 'ready' || current.status === 'failed')) {
          await sources.markSeen(sourceId, [item.externalId], runNumber);
          count('unchanged');
          return;
        }
      }
      const fetched = await connector.fetch(item, context);
      if (!fetched) {
        if (known) await remove(item.externalId, known.documentId);
        return;
      }
      const readers = await connector.listReaders(item, context);
      const outcome = await documents.upsertUpload({
        collectionId: source!.collectionId,
        sourceKey: sourceKeyOf(sourceId, item.externalId),
        title: fetched.title,
        filename: fetched.filename,
        mimeType: fetched.mimeType ?? 'application/octet-stream',
        sourceUrl: fetched.url,
        bytes: fetched.bytes,
        sha256: sha256Hex(fetched.bytes),
        uploadedBy: null,
      });
      const document = outcome.document;
      await sources.claimDocument(document.id, sourceId);
      // Readers before indexing: new chunks never exist without the source's permissions on them.
      await sources.setDocumentReaders(document.id, readers);
      if (outcome.kind !== 'unchanged' || document.status !== 'ready') {
        const indexed = await ingestor.ingest(document.id, document.version, signal);
        if (indexed.status === 'failed') fail(item.externalId, indexed.error);
      }
      await sources.saveItem(
        sourceId,
        {
          externalId: item.externalId,
          version: item.version,
          state: item.state ?? null,
          documentId: document.id,
        },
        runNumber,
      );
      count(known ? (outcome.kind === 'unchanged' ? 'unchanged' : 'changed') : 'added');
    }

    // Prefixes a delta source listed completely this run (see ChangeBatch.completeListingOf).
    const listedCompletely: string[] = [];
    try {
      for await (const batch of connector.listChanges(cursor, context)) {
        const seen: string[] = [];
        for (const change of batch.changes) {
          signal.throwIfAborted();
          switch (change.kind) {
            case 'unchanged':
              seen.push(change.externalId);
              count('unchanged');
              break;
            case 'failed':
              seen.push(change.externalId);
              fail(change.externalId, change.reason);
              break;
            case 'delete': {
              const known = await sources.findItem(sourceId, change.externalId);
              if (known) await remove(change.externalId, known.documentId);
              break;
            }
            case 'upsert':
              try {
                await upsert(change.item);
              } catch (error) {
                // One unreadable item does not stop the run; a source that is down does (thrown below).
                if (!isAppError(error) || error.code !== 'unprocessable_document') throw error;
                seen.push(change.item.externalId);
                fail(change.item.externalId, reasonOf(error));
              }
              break;
            default: {
              const exhaustive: never = change;
              throw new Error(`unknown change ${JSON.stringify(exhaustive)}`);
            }
          }
        }
        await sources.markSeen(sourceId, seen, runNumber);
        if (batch.completeListingOf?.final) listedCompletely.push(batch.completeListingOf.prefix);
        if (batch.cursor !== null) cursor = batch.cursor;
        await sources.saveRun(sourceId, run, connector.mode === 'delta' ? cursor : undefined);
        deps.onRunProgress?.(sourceId, run);
      }
      // Only a complete listing proves absence: a run that failed half-way deletes nothing.
      if (connector.mode === 'full' || listedCompletely.length > 0) {
        for (const gone of await sources.listUnseen(sourceId, runNumber)) {
          const covered =
            connector.mode === 'full' ||
            listedCompletely.some((prefix) => gone.externalId.startsWith(prefix));
          if (covered) await remove(gone.externalId, gone.documentId);
        }
      }
      run = { ...run, finishedAt: new Date().toISOString(), error: null };
      await sources.finishRun(sourceId, run, cursor, 'idle');
      deps.onRunProgress?.(sourceId, run);
      log.info({ run }, 'source synced');
    } catch (error) {
      // Shutting down: the run stays `running` and the next attempt resumes it.
      if (signal.aborted) throw error;
      const reason =
        isAppError(error) && error.expose
          ? error.message
          : 'The source could not be read; the run will be retried.';
      run = { ...run, finishedAt: new Date().toISOString(), error: reason };
      await sources.finishRun(sourceId, run, cursor, 'failed');
      deps.onRunProgress?.(sourceId, run);
      log.warn({ err: error }, 'source sync failed');
      throw error;
    }
  }
}
