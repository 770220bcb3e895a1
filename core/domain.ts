/** Domain vocabulary shared by every folder. Rows live in db/; these are the shapes the engine works with. */

export const ROLES = ['admin', 'curator', 'auditor', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const PLATFORMS = ['slack', 'teams', 'web', 'api', 'cli'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const DOCUMENT_STATUSES = ['queued', 'processing', 'ready', 'failed'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export const API_KEY_SCOPES = ['ask', 'ingest', 'read:audit'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Who is asking or acting. Access to chunks is always decided from `userId` inside the retrieval SQL. */
export interface Principal {
  readonly userId: string;
  readonly email: string;
  readonly role: Role;
  /** Set when the principal authenticated with an API key: what that key may do. */
  readonly scopes?: readonly ApiKeyScope[];
}

/**
 * Where a question may look. `collectionIds` narrows the search (a channel's bound collections);
 * the asker's own access is applied on top of it in SQL, never widened by it.
 */
export interface RetrievalScope {
  readonly userId: string;
  readonly collectionIds?: readonly string[];
}

export interface IngestProgress {
  readonly stage: 'queued' | 'parsing' | 'chunking' | 'embedding' | 'storing' | 'done' | 'failed';
  readonly percent: number;
}

/** A chunk as retrieval hands it to answering: text plus everything needed to cite it. */
export interface RetrievedChunk {
  readonly chunkId: string;
  readonly documentId: string;
  readonly documentVersion: number;
  readonly collectionId: string;
  readonly title: string;
  readonly sourceUrl: string | null;
  readonly headingPath: readonly string[];
  /** 1-based page the chunk starts on, for formats with pages (PDF); null otherwise. */
  readonly page: number | null;
  readonly position: number;
  readonly text: string;
  readonly tokenCount: number;
  /** Fused score: larger is better; comparable within one retrieval only. */
  readonly score: number;
  readonly lexicalRank: number | null;
  readonly vectorRank: number | null;
}

/** A numbered source shown to the user: `[n]` in the answer text points at `n` here. */
/** A prompt the Slack assistant offers when a thread opens: the button's title and the question it asks. */
export interface SuggestedPrompt {
  readonly title: string;
  readonly message: string;
}

export interface Source {
  readonly n: number;
  readonly chunkId: string;
  readonly documentId: string;
  readonly documentVersion: number;
  readonly title: string;
  /** Heading path joined by " › ": a document's section, a workbook's sheet, a deck's "Slide N: title". */
  readonly section: string | null;
  /** 1-based page the cited text starts on (PDF); null for formats without pages. */
  readonly page: number | null;
  readonly url: string | null;
  /** A short excerpt for display. */
  readonly snippet: string;
  /** The exact chunk text the answer was given, kept with the stored answer for auditors. */
  readonly text: string;
}

export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}
