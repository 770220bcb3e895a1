/**
 * Cursor pagination: opaque cursors over a stable order (newest first, ties broken by id), fetched
 * with a keyset condition so pages stay correct while rows are added.
 */
import { z } from 'zod';
import { AppError } from '#core';

export const MAX_PAGE_SIZE = 100;

export const pageArgs = {
  first: z
    .number()
    .int()
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
    .default(25),
  after: z.string().max(500).nullish(),
};

export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** A cursor of [timestamp text, id]; timestamps stay as Postgres text so no precision is lost. */
export function decodeTimeCursor(cursor: string | null | undefined): { at: string; id: string } | null {
  if (!cursor) return null;
  const parts = decode(cursor);
  if (parts.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string') throw badCursor();
  return { at: parts[0], id: parts[1] };
}

export function decodeNumberCursor(cursor: string | null | undefined): number | null {
  if (!cursor) return null;
  const parts = decode(cursor);
  if (parts.length !== 1 || typeof parts[0] !== 'number' || !Number.isSafeInteger(parts[0]))
    throw badCursor();
  return parts[0];
}

function decode(cursor: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed)) return parsed;
  } catch {
    // fall through
  }
  throw badCursor();
}

function badCursor(): AppError {
  return new AppError('invalid_input', 'Invalid cursor: pass a cursor this API returned.', {
    localized: { key: 'errors.badCursor' },
    details: { fields: { after: 'is not a cursor this API returned' } },
  });
}

export interface Connection<T> {
  readonly nodes: T[];
  readonly edges: { cursor: string; node: T }[];
  readonly pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Builds a page from up to `first + 1` rows: the extra row only says that there is a next page. */
export function toConnection<T>(
  rows: readonly T[],
  first: number,
  cursorOf: (row: T) => string,
): Connection<T> {
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    nodes,
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/** The SDL of a connection type for `Node`. */
export function connectionTypeDefs(node: string): string {
  return `
type ${node}Edge {
  cursor: String!
  node: ${node}!
}

type ${node}Connection {
  nodes: [${node}!]!
  edges: [${node}Edge!]!
  pageInfo: PageInfo!
}
`;
}
