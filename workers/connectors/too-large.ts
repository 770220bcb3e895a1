/**
 * One sentence for "this item is over MAX_UPLOAD_BYTES", whichever source and whenever it is found (from the
 * size a listing gives, or while downloading), in English for the logs and as a catalogue key for the console.
 */
import { type LocalizedMessage, type SourceChange, UnprocessableDocumentError } from '#core';
import { formatLimit } from './http-client.ts';

function tooLarge(name: string, maxBytes: number): { reason: string; localized: LocalizedMessage } {
  const limit = formatLimit(maxBytes);
  return {
    reason: `${name} is larger than ${limit} (MAX_UPLOAD_BYTES).`,
    localized: { key: 'sources.failure.tooLarge', values: { name, limit } },
  };
}

/** Thrown by a connector's fetch: the item fails alone and the run goes on. */
export function tooLargeError(name: string, maxBytes: number): UnprocessableDocumentError {
  const { reason, localized } = tooLarge(name, maxBytes);
  return new UnprocessableDocumentError(reason, { localized });
}

/** A listing that already knows the size: the item is counted as failed and never downloaded. */
export function tooLargeChange(externalId: string, name: string, maxBytes: number): SourceChange {
  return { kind: 'failed', externalId, ...tooLarge(name, maxBytes) };
}
