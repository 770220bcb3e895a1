import { UnprocessableDocumentError } from '../errors.ts';
import type { ChunkDraft } from '../ports.ts';
import type { Atom, Budget } from './chunk-atoms.ts';
import { sumTokens } from './chunk-atoms.ts';
import type { ParsedDocument } from './parsed-document.ts';
import { commonPrefix, groupSmallSections, splitSections } from './sections.ts';
import type { TokenCounter } from './tokens.ts';

export interface ChunkOptions {
  /** Upper bound on every chunk's token count (cl100k). Default 350. */
  readonly maxTokens?: number | undefined;
  /** Tokens repeated from the end of the previous chunk of the same section. Default 50. */
  readonly overlapTokens?: number | undefined;
  readonly counter: TokenCounter;
  /**
   * More chunks than this stops the chunking at once with UnprocessableDocumentError: a 49 MB text makes
   * ~90k, and analysing, embedding and handing them all over only to refuse them took minutes.
   */
  readonly maxChunks?: number | undefined;
}

export const DEFAULT_MAX_TOKENS = 350;
export const DEFAULT_OVERLAP_TOKENS = 50;

/**
 * Parsed document → chunks that each stay within one section and within the token budget.
 *
 * Sections are cut at headings and carry their heading path. A section larger than the budget is
 * packed greedily, ending a chunk at a paragraph start when the chunk is already half full, else at a
 * sentence, else at a word; each continuation chunk starts with the last ~overlapTokens of the
 * previous one (whole sentences when they fit). Consecutive small sections under the same parent are
 * merged into one chunk labelled with the parent, their headings kept as lines of text; a document that
 * fits the budget as a whole is one chunk. A chunk ends at a page break (PDF), so its page is where its text
 * is. The document title is not added: indexing decides that.
 */
export function chunkDocument(parsed: ParsedDocument, options: ChunkOptions): ChunkDraft[] {
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const overlapTokens = options.overlapTokens ?? DEFAULT_OVERLAP_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 16)
    throw new RangeError('maxTokens must be an integer ≥ 16');
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens > maxTokens / 2) {
    throw new RangeError('overlapTokens must be an integer between 0 and maxTokens / 2');
  }
  const budget: Budget = { maxTokens, overlapTokens, counter: options.counter };

  const sections = splitSections(parsed.blocks);
  const groups = groupSmallSections(sections, budget);
  const drafts: Omit<ChunkDraft, 'position'>[] = [];
  const maxChunks = options.maxChunks ?? Number.POSITIVE_INFINITY;
  for (const group of groups) {
    drafts.push(...packAtoms(group.path, group.atoms, budget));
    if (drafts.length > maxChunks) throw tooManyChunks(maxChunks);
  }
  return drafts.map((draft, position) => ({ position, ...draft }));
}

function packAtoms(
  path: readonly string[],
  atoms: readonly Atom[],
  budget: Budget,
): Omit<ChunkDraft, 'position'>[] {
  const { maxTokens, overlapTokens, counter } = budget;
  const chunks: Omit<ChunkDraft, 'position'>[] = [];
  let overlap: Atom[] = [];
  let next = 0;
  while (next < atoms.length) {
    // No overlap from an earlier page either: a fact quoted from it would be cited with the wrong page.
    if (overlap.some((atom) => atom.page !== atoms[next]?.page)) overlap = [];
    let used = sumTokens(overlap);
    let end = next;
    // A chunk never runs onto the next page, so that its citation names the page its text is on.
    const page = atoms[next]?.page;
    while (
      end < atoms.length &&
      used + (atoms[end]?.tokens ?? 0) <= maxTokens &&
      (end === next || atoms[end]?.page === page)
    ) {
      used += atoms[end]?.tokens ?? 0;
      end++;
    }
    if (end === next) {
      // Atoms are cut to fit next to a full overlap, so this is a safety net: drop the overlap, then force.
      if (overlap.length > 0) {
        overlap = [];
        continue;
      }
      end = next + 1;
    }
    if (end < atoms.length) end = preferBlockStart(atoms, next, end, sumTokens(overlap), maxTokens);

    let fresh = atoms.slice(next, end);
    let text = joinAtoms([...overlap, ...fresh]);
    let tokenCount = counter.count(text);
    // Atom sums are a close upper bound; if the exact count still exceeds the budget, give back atoms.
    while (tokenCount > maxTokens && fresh.length > 1) {
      fresh = fresh.slice(0, -1);
      text = joinAtoms([...overlap, ...fresh]);
      tokenCount = counter.count(text);
    }
    if (tokenCount > maxTokens && overlap.length > 0) {
      overlap = [];
      continue;
    }
    chunks.push({
      headingPath: pathOf(path, fresh),
      text,
      tokenCount,
      page: fresh.find((atom) => atom.page)?.page,
    });
    next += fresh.length;
    overlap = overlapTokens > 0 ? takeOverlap([...overlap, ...fresh], overlapTokens, counter) : [];
  }
  return chunks;
}

/**
 * A chunk cut from a group of merged sections is labelled with the path its own atoms share (an e-mail's
 * attachment, one sheet), which is never less than the group's.
 */
function pathOf(groupPath: readonly string[], fresh: readonly Atom[]): readonly string[] {
  const paths = fresh.map((atom) => atom.path);
  if (paths.length === 0 || paths.some((p) => p === undefined)) return groupPath;
  const shared = commonPrefix(paths as (readonly string[])[]);
  return shared.length > groupPath.length ? shared : groupPath;
}

/** Ends the chunk at the last block start instead, if what comes before it already fills half the budget. */
function preferBlockStart(
  atoms: readonly Atom[],
  start: number,
  end: number,
  used: number,
  max: number,
): number {
  let tokens = used;
  let best = end;
  for (let i = start; i < end; i++) {
    if (i > start && atoms[i]?.startsBlock && tokens >= max / 2) best = i;
    tokens += atoms[i]?.tokens ?? 0;
  }
  return best;
}

/**
 * The last whole atoms that fit in `limit` tokens; failing that, the last words of the last sentence
 * (never part of a table row or list item, which would then no longer stand alone).
 */
function takeOverlap(atoms: readonly Atom[], limit: number, counter: TokenCounter): Atom[] {
  const taken: Atom[] = [];
  let used = 0;
  for (let i = atoms.length - 1; i >= 0; i--) {
    const atom = atoms[i];
    if (atom === undefined || used + atom.tokens > limit) break;
    taken.unshift(atom);
    used += atom.tokens;
  }
  if (taken.length > 0) return taken;

  const last = atoms.at(-1);
  if (last === undefined || last.line) return [];
  const words = last.text.split(' ');
  let start = words.length;
  // Words are counted with their leading space, as they sit in the text: the sum is the count of the run.
  for (let tokens = 0; start > 0; start--) {
    tokens += counter.count(` ${words[start - 1]}`);
    if (tokens > limit) break;
  }
  if (start === words.length) return [];
  const text = words.slice(start).join(' ');
  return [{ text, separator: ' ', startsBlock: false, page: last.page, tokens: counter.count(` ${text}`) }];
}

function joinAtoms(atoms: readonly Atom[]): string {
  // trimStart: a chunk may begin with an indented line of code.
  return atoms
    .map((atom, i) => (i === 0 ? atom.text : atom.separator + atom.text))
    .join('')
    .trimStart();
}

/** The failure of a document over the chunk limit: short, and saying what to do. */
export function tooManyChunks(maxChunks: number): UnprocessableDocumentError {
  return new UnprocessableDocumentError(
    `This file is too large to index: it makes more than ${maxChunks.toLocaleString('en-US')} passages, the most one document may have. Split it into smaller files.`,
  );
}
