/**
 * The connector port: how a sync job reads a source (a folder, a website, SharePoint…) without knowing
 * which one. Adapters live in workers/connectors/<kind>/; nothing here names a protocol.
 */

import type { LocalizedMessage } from '../errors.ts';

/** Who may read an item at its source: users by e-mail, groups by the provider's own id. */
export interface SourceReaders {
  readonly emails: readonly string[];
  readonly groups: readonly string[];
}

/** What the sync job remembers of an item from the previous run. */
export interface KnownItem {
  readonly version: string;
  /** The connector's own state for it (HTTP validators, a page's links), as it returned it. */
  readonly state: Readonly<Record<string, unknown>> | null;
}

/** One item as a listing names it; `version` changes whenever its content or readers do. */
export interface SourceItemRef {
  readonly externalId: string;
  readonly version: string;
  readonly state?: Readonly<Record<string, unknown>> | undefined;
}

export type SourceChange =
  | { readonly kind: 'upsert'; readonly item: SourceItemRef }
  /** Listed and known not to have changed (a 304, an unchanged mtime): kept, not fetched. */
  | { readonly kind: 'unchanged'; readonly externalId: string }
  | { readonly kind: 'delete'; readonly externalId: string }
  /** Listed but unreadable this time (a 500, a redirect loop, too large): counted with its reason, kept as it was. */
  | {
      readonly kind: 'failed';
      readonly externalId: string;
      readonly reason: string;
      /** The reason as a catalogue key, so the console says it in the admin's language. */
      readonly localized?: LocalizedMessage | undefined;
    };

export interface ChangeBatch {
  readonly changes: readonly SourceChange[];
  /** Where to resume after this batch (delta connectors); null for full listings. */
  readonly cursor: string | null;
  /**
   * Delta connectors only: this batch belongs to a listing from scratch of every item whose external id
   * starts with `prefix` (a first sync, or a cursor the source no longer accepts). Once a batch says `final`,
   * the items under that prefix this run did not name are gone and are deleted.
   */
  readonly completeListingOf?:
    | {
        readonly prefix: string;
        readonly final: boolean;
        /**
         * The run the listing started in (ConnectorContext.run, kept in the cursor), when it may span runs:
         * a listing that failed half-way and goes on in the queue's retry, a new run, must not take the
         * items its first pages named for gone. Absent: this run.
         */
        readonly sinceRun?: number | undefined;
      }
    | undefined;
}

export interface FetchedItem {
  readonly bytes: Uint8Array;
  readonly filename: string;
  readonly mimeType?: string | undefined;
  readonly title: string;
  /** Where a citation links to: the page, the file's web URL. */
  readonly url: string | null;
}

export interface ConnectorContext {
  readonly signal: AbortSignal;
  /** The sync run's number (absent when only testing the connection): see ChangeBatch.completeListingOf. */
  readonly run?: number | undefined;
  /** The item as the previous run left it; null when new. */
  known(externalId: string): Promise<KnownItem | null>;
  /** The same for many items in one lookup (a listing of thousands): only the known ones are in the map. */
  knownMany(externalIds: readonly string[]): Promise<ReadonlyMap<string, KnownItem>>;
}

export interface Connector {
  /**
   * `full`: every run lists everything there is, and what a complete listing did not name is gone.
   * `delta`: listings name changes since the cursor, deletions included.
   */
  readonly mode: 'full' | 'delta';
  /** Checks the settings and the connection (credentials, reachability); rejects with why. */
  test(context: ConnectorContext): Promise<void>;
  listChanges(cursor: string | null, context: ConnectorContext): AsyncIterable<ChangeBatch>;
  /** The item's bytes and metadata; null when it is gone since it was listed. */
  fetch(item: SourceItemRef, context: ConnectorContext): Promise<FetchedItem | null>;
  /** Its readers at the source; null when the source has no permissions of its own (the collection decides). */
  listReaders(item: SourceItemRef, context: ConnectorContext): Promise<SourceReaders | null>;
}

/** Builds a connector from a source's stored settings and its unsealed secret. */
export type ConnectorFactory = (source: {
  readonly kind: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly secret: string | null;
}) => Connector;
