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
  type LocalizedMessage,
  type Logger,
  type SecretBox,
  type SourceChange,
  type SourceItemRef,
  type SourceRun,
  type SourceStore,
  sha256Hex,
} from '#core';
import type { DocumentIngestor } from '../../core/ingest-document.ts';
import type { JobHandler } from '../job-handlers.ts';
import { createItemPool } from './item-pool.ts';
import { type SourceLeaseOptions, withSourceLease } from './source-lease.ts';

export interface SyncSourceDeps {
  readonly sources: SourceStore;
  readonly documents: DocumentRepository;
  readonly ingestor: DocumentIngestor;
  readonly connectorFor: ConnectorFactory;
  readonly secrets: SecretBox;
  readonly logger: Logger;
  /** Live progress for the console: the run's counts after each batch. */
  readonly onRunProgress?: (sourceId: string, run: SourceRun) => void;
  /** Items of one run in flight at once (default ITEMS_IN_FLIGHT). */
  readonly itemsInFlight?: number | undefined;
  readonly lease?: SourceLeaseOptions | undefined;
}

/**
 * Items of one run processed at once: a download waits on the network while another item is parsed and
 * written, and uploads in flight together share one group commit. More gains little on two cores.
 */
export const ITEMS_IN_FLIGHT = 4;

/** Failures kept with their reason on a run; the count says how many more there were. */
const MAX_FAILURES_KEPT = 50;

export function sourceKeyOf(sourceId: string, externalId: string): string {
  return `${sourceId}:${externalId}`;
}

export function syncSourceJobId(sourceId: string): string {
  return `sync-source:${sourceId}`;
}

/** An item's failure as the run keeps it: English, and a catalogue key when there is one. */
function failureOf(error: unknown): { reason: string; localized?: LocalizedMessage } {
  if (isAppError(error) && error.expose) {
    return { reason: error.message, ...(error.localized ? { localized: error.localized } : {}) };
  }
  return { reason: 'the item could not be read', localized: { key: 'sources.failure.itemUnreadable' } };
}

export function createSyncSourceHandler(deps: SyncSourceDeps): JobHandler<'sync-source'> {
  const { sources, documents, ingestor, logger } = deps;

  return async (payload, context) => {
    // A scheduled run and a "run now" of the same source, in this process or another: the second is a no-op.
    const ran = await withSourceLease(
      sources,
      payload.sourceId,
      { signal: context.signal, logger, options: deps.lease },
      (signal) => runOnce(payload, { signal }),
    );
    if (!ran) logger.info({ sourceId: payload.sourceId }, 'source already being synced; this run is skipped');
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
      run: runNumber,
      known: async (externalId) => {
        const found = await sources.findItem(sourceId, externalId);
        return found ? { version: found.version, state: found.state } : null;
      },
      knownMany: (externalIds) => sources.findItems(sourceId, externalIds),
    };
    const count = (field: 'added' | 'changed' | 'unchanged' | 'deleted') => {
      run = { ...run, [field]: run[field] + 1 };
    };
    const fail = (item: string, reason: string, localized?: LocalizedMessage) => {
      const failure = { item, reason, ...(localized ? { localized } : {}) };
      run = {
        ...run,
        failed: run.failed + 1,
        failures: run.failures.length < MAX_FAILURES_KEPT ? [...run.failures, failure] : run.failures,
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
        sourceId,
      });
      const document = outcome.document;
      // Created as the source's; one uploaded by hand under the same key first becomes the source's now.
      if (outcome.kind !== 'created') await sources.claimDocument(document.id, sourceId);
      // Readers before indexing: new chunks never exist without the source's permissions on them. A new
      // document has no readers and is not restricted: with none to set, that is 4 statements saved per item.
      if (readers !== null || outcome.kind !== 'created')
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

    async function apply(change: SourceChange, seen: string[]): Promise<void> {
      switch (change.kind) {
        case 'unchanged':
          seen.push(change.externalId);
          count('unchanged');
          return;
        case 'failed':
          seen.push(change.externalId);
          fail(change.externalId, change.reason, change.localized);
          return;
        case 'delete': {
          const known = await sources.findItem(sourceId, change.externalId);
          if (known) await remove(change.externalId, known.documentId);
          return;
        }
        case 'upsert':
          try {
            await upsert(change.item);
          } catch (error) {
            // One unreadable item does not stop the run; a source that is down does (thrown below).
            if (!isAppError(error) || error.code !== 'unprocessable_document') throw error;
            seen.push(change.item.externalId);
            const { reason, localized } = failureOf(error);
            fail(change.item.externalId, reason, localized);
          }
          return;
        default: {
          const exhaustive: never = change;
          throw new Error(`unknown change ${JSON.stringify(exhaustive)}`);
        }
      }
    }

    const externalIdOf = (change: SourceChange) =>
      change.kind === 'upsert' ? change.item.externalId : change.externalId;

    // Prefixes a delta source listed completely, with the run each listing began in (ChangeBatch.completeListingOf).
    const listedCompletely: { prefix: string; sinceRun: number }[] = [];
    try {
      for await (const batch of connector.listChanges(cursor, context)) {
        const seen: string[] = [];
        // A batch's items run several at a time, and all of them are done before its cursor is saved: a
        // crash resumes at the batch, and the items it had finished are found unchanged, not added twice.
        const pool = createItemPool(deps.itemsInFlight ?? ITEMS_IN_FLIGHT);
        try {
          for (const change of batch.changes) {
            signal.throwIfAborted();
            await pool.start(externalIdOf(change), () => apply(change, seen));
          }
        } finally {
          await pool.drain();
        }
        await sources.markSeen(sourceId, seen, runNumber);
        const listing = batch.completeListingOf;
        if (listing?.final) {
          listedCompletely.push({
            prefix: listing.prefix,
            sinceRun: Math.min(listing.sinceRun ?? runNumber, runNumber),
          });
        }
        if (batch.cursor !== null) cursor = batch.cursor;
        await sources.saveRun(sourceId, run, connector.mode === 'delta' ? cursor : undefined);
        deps.onRunProgress?.(sourceId, run);
      }
      // Only a complete listing proves absence: a run that failed half-way deletes nothing.
      if (connector.mode === 'full' || listedCompletely.length > 0) {
        const since =
          connector.mode === 'full' ? runNumber : Math.max(...listedCompletely.map((l) => l.sinceRun));
        for (const gone of await sources.listUnseen(sourceId, since)) {
          const covered =
            connector.mode === 'full' ||
            listedCompletely.some((l) => gone.externalId.startsWith(l.prefix) && gone.seenRun < l.sinceRun);
          if (covered) await remove(gone.externalId, gone.documentId);
        }
      }
      run = { ...run, finishedAt: new Date().toISOString(), error: null, errorLocalized: null };
      await sources.finishRun(sourceId, run, cursor, 'idle');
      deps.onRunProgress?.(sourceId, run);
      log.info({ run }, 'source synced');
    } catch (error) {
      // Shutting down: the run stays `running` and the next attempt resumes it.
      if (signal.aborted) throw error;
      const shown = isAppError(error) && error.expose;
      run = {
        ...run,
        finishedAt: new Date().toISOString(),
        error: shown ? error.message : 'The source could not be read; the run will be retried.',
        errorLocalized: shown ? (error.localized ?? null) : { key: 'sources.failure.sourceUnreadable' },
      };
      await sources.finishRun(sourceId, run, cursor, 'failed');
      deps.onRunProgress?.(sourceId, run);
      log.warn({ err: error }, 'source sync failed');
      throw error;
    }
  }
}
