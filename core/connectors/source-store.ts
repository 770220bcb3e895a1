/** Where sync jobs keep a source's settings, cursor, runs and items (db/sources.ts implements it). */
import type { LocalizedMessage } from '../errors.ts';
import type { KnownItem, SourceReaders } from './connector.ts';

export type SourceState = 'idle' | 'running' | 'failed';

export interface SourceFailure {
  /** The item's id at the source (a path, a URL). */
  readonly item: string;
  /** In English (logs, API callers without a language). */
  readonly reason: string;
  /** The same as a catalogue key, when it has one: the console shows it in the admin's language. */
  readonly localized?: LocalizedMessage | undefined;
}

/** A run's counts, stored while it runs (live progress) and kept once it ends. */
export interface SourceRun {
  readonly number: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly added: number;
  readonly changed: number;
  readonly unchanged: number;
  readonly deleted: number;
  readonly failed: number;
  /** The first failures, each with its reason (capped: the counts say how many there were). */
  readonly failures: readonly SourceFailure[];
  /** Why the run as a whole stopped, when it did. */
  readonly error: string | null;
  /** `error` as a catalogue key, when it has one. */
  readonly errorLocalized?: LocalizedMessage | null | undefined;
}

export interface StoredSource {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly collectionId: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** Sealed (core/connectors/secret-box.ts); null when the source has none. */
  readonly sealedSecret: string | null;
  readonly scheduleMinutes: number | null;
  readonly paused: boolean;
  readonly cursor: string | null;
  readonly runNumber: number;
  readonly state: SourceState;
  readonly lastRun: SourceRun | null;
  /** When the lease of the run that holds the source ends (null: no run holds it). */
  readonly leaseExpiresAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface SourceItemRecord extends KnownItem {
  readonly documentId: string | null;
}

export interface SourceStore {
  get(id: string): Promise<StoredSource | null>;
  /**
   * Takes the source for one run, across every process on the database, for `ttlMs` by the database's
   * clock; false while another owner's lease has not expired (or the source does not exist).
   */
  acquireLease(id: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the owner's lease; false when it has lost it (expired and taken over, or the source deleted). */
  renewLease(id: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(id: string, owner: string): Promise<void>;
  list(): Promise<StoredSource[]>;
  /**
   * Starts a run: a source left `running` (its worker crashed) resumes that run, with its counts and
   * cursor; otherwise the run number moves on and the counts start at zero.
   */
  startRun(
    id: string,
  ): Promise<{ readonly run: SourceRun; readonly cursor: string | null; readonly resumed: boolean }>;
  saveRun(id: string, run: SourceRun, cursor?: string | null): Promise<void>;
  finishRun(id: string, run: SourceRun, cursor: string | null, state: 'idle' | 'failed'): Promise<void>;
  findItem(sourceId: string, externalId: string): Promise<SourceItemRecord | null>;
  /** The known ones of `externalIds`, by external id. */
  findItems(sourceId: string, externalIds: readonly string[]): Promise<Map<string, SourceItemRecord>>;
  /** Records what was delivered for an item, as seen by `run`. */
  saveItem(
    sourceId: string,
    item: {
      readonly externalId: string;
      readonly version: string;
      readonly state: Readonly<Record<string, unknown>> | null;
      readonly documentId: string | null;
    },
    run: number,
  ): Promise<void>;
  markSeen(sourceId: string, externalIds: readonly string[], run: number): Promise<void>;
  /** Items no run since `sinceRun` named: what a complete listing that started in `sinceRun` did not name. */
  listUnseen(
    sourceId: string,
    sinceRun: number,
  ): Promise<{ externalId: string; documentId: string | null; seenRun: number }[]>;
  deleteItem(sourceId: string, externalId: string): Promise<void>;
  /** Replaces a document's source readers; null: the collection's rule alone. */
  setDocumentReaders(documentId: string, readers: SourceReaders | null): Promise<void>;
  /** Marks an uploaded document as the source's (its sourceId). */
  claimDocument(documentId: string, sourceId: string): Promise<void>;
}
