import type { ChunkDraft } from '../ports.ts';
import type { Block, ParsedDocument } from './parsed-document.ts';
import { renderTableRow } from './parsed-document.ts';
import { splitSentences, splitToTokenLimit } from './split-text.ts';
import type { TokenCounter } from './tokens.ts';

export interface ChunkOptions {
  /** Upper bound on every chunk's token count (cl100k). Default 350. */
  readonly maxTokens?: number | undefined;
  /** Tokens repeated from the end of the previous chunk of the same section. Default 50. */
  readonly overlapTokens?: number | undefined;
  readonly counter: TokenCounter;
}

export const DEFAULT_MAX_TOKENS = 350;
export const DEFAULT_OVERLAP_TOKENS = 50;

interface Section {
  readonly path: readonly string[];
  readonly blocks: readonly Block[];
}

/** The smallest piece of text the packer moves: a sentence, a list item, a table row, a line of code. */
interface Atom {
  readonly text: string;
  /** Tokens of `separator + text`: what the atom adds to a chunk it does not start. */
  readonly tokens: number;
  /** Put before the atom when it does not start the chunk: paragraph break, line break or space. */
  readonly separator: '\n\n' | '\n' | ' ';
  /** True for the first atom of a block: the preferred places to end a chunk. */
  readonly startsBlock: boolean;
  readonly page?: number | undefined;
}

/**
 * Parsed document → chunks that each stay within one section and within the token budget.
 *
 * Sections are cut at headings and carry their heading path. A section larger than the budget is
 * packed greedily, ending a chunk at a paragraph start when the chunk is already half full, else at a
 * sentence, else at a word; each continuation chunk starts with the last ~overlapTokens of the
 * previous one (whole sentences when they fit). Consecutive small sections under the same parent are
 * merged into one chunk labelled with the parent, their headings kept as lines of text; a document that
 * fits the budget as a whole is one chunk. The document title is not added: indexing decides that.
 */
export function chunkDocument(parsed: ParsedDocument, options: ChunkOptions): ChunkDraft[] {
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const overlapTokens = options.overlapTokens ?? DEFAULT_OVERLAP_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 16)
    throw new RangeError('maxTokens must be an integer ≥ 16');
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens > maxTokens / 2) {
    throw new RangeError('overlapTokens must be an integer between 0 and maxTokens / 2');
  }
  const budget = { maxTokens, overlapTokens, counter: options.counter };

  const sections = splitSections(parsed.blocks);
  const groups = groupSmallSections(sections, budget);
  const drafts: Omit<ChunkDraft, 'position'>[] = [];
  for (const group of groups) drafts.push(...packAtoms(group.path, group.atoms, budget));
  return drafts.map((draft, position) => ({ position, ...draft }));
}

interface Budget {
  readonly maxTokens: number;
  readonly overlapTokens: number;
  readonly counter: TokenCounter;
}

/** Longer "headings" are text someone styled as a heading; they would make a useless heading path. */
const MAX_HEADING_CHARS = 300;

function splitSections(blocks: readonly Block[]): Section[] {
  const sections: Section[] = [];
  const headings: { level: number; text: string }[] = [];
  let current: Block[] = [];
  let path: string[] = [];
  const endSection = (): void => {
    sections.push({ path, blocks: current });
    current = [];
  };
  for (const block of blocks) {
    if (block.kind === 'heading' && block.text.length <= MAX_HEADING_CHARS) {
      endSection();
      while ((headings.at(-1)?.level ?? 0) >= block.level) headings.pop();
      headings.push({ level: block.level, text: block.text });
      path = headings.map((heading) => heading.text);
    } else if (block.kind === 'heading') {
      current.push({ kind: 'paragraph', text: block.text });
    } else {
      current.push(block);
    }
  }
  endSection();
  return sections;
}

interface Group {
  readonly path: readonly string[];
  readonly atoms: readonly Atom[];
}

/**
 * One group per section, except that runs of small sections (each under a third of the budget) under
 * one parent — a parent's own text followed by its children, or siblings — that fit the budget
 * together become one group labelled with the parent path. A document that fits as a whole is one group.
 */
function groupSmallSections(sections: readonly Section[], budget: Budget): Group[] {
  const measured = sections.map((section) => {
    const atoms = sectionAtoms(section.blocks, budget);
    return { path: section.path, atoms, tokens: sum(atoms) };
  });
  const withText = measured.filter((entry) => entry.atoms.length > 0);
  if (withText.length === 0) return headingsOnly(sections, budget);

  const total = withText.reduce((acc, entry) => acc + entry.tokens, 0);
  if (total <= budget.maxTokens) return [mergeSections(withText, budget)];

  const groups: Group[] = [];
  let run: Measured[] = [];
  let parent: readonly string[] | null = null;
  let runTokens = 0;
  const endRun = (): void => {
    const [only] = run;
    if (run.length === 1 && only !== undefined) groups.push({ path: only.path, atoms: only.atoms });
    else if (run.length > 1) groups.push(mergeSections(run, budget));
    run = [];
    parent = null;
    runTokens = 0;
  };
  for (const entry of withText) {
    const small = entry.tokens < budget.maxTokens / 3;
    // Inlined headings cost a few tokens each; the packer splits a group that ends up over budget anyway.
    const cost = entry.tokens + 4 * entry.path.length;
    const joined: readonly string[] | null =
      small && runTokens + cost <= budget.maxTokens ? commonParent(run, parent, entry.path) : null;
    if (joined === null) endRun();
    else parent = joined;
    run.push(entry);
    runTokens += cost;
    if (!small) endRun();
  }
  endRun();
  return groups;
}

interface Measured {
  readonly path: readonly string[];
  readonly atoms: readonly Atom[];
}

/** The parent `next` shares with the run, or null: the run's parent, or one set by the run's first section. */
function commonParent(
  run: readonly Measured[],
  parent: readonly string[] | null,
  next: readonly string[],
): readonly string[] | null {
  const isChildOf = (candidate: readonly string[]): boolean =>
    next.length === candidate.length + 1 && candidate.every((heading, i) => next[i] === heading);
  if (parent !== null) return isChildOf(parent) ? parent : null;
  const first = run[0]?.path;
  if (first === undefined) return null;
  if (isChildOf(first)) return first;
  const siblingParent = first.slice(0, -1);
  return first.length > 0 && isChildOf(siblingParent) ? siblingParent : null;
}

function mergeSections(entries: readonly Measured[], budget: Budget): Group {
  const prefix = commonPrefix(entries.map((entry) => entry.path));
  const atoms: Atom[] = [];
  let printed: readonly string[] = prefix;
  for (const entry of entries) {
    // Each heading below the common prefix becomes a line of its own where it first applies.
    let same = true;
    for (let depth = prefix.length; depth < entry.path.length; depth++) {
      const heading = entry.path[depth] ?? '';
      same = same && printed[depth] === heading;
      if (!same) atoms.push(makeAtom(heading, '\n\n', true, undefined, budget.counter));
    }
    printed = entry.path;
    atoms.push(...entry.atoms);
  }
  return { path: prefix, atoms };
}

/** A document of headings and nothing else is still worth one chunk: its headings, one per line. */
function headingsOnly(sections: readonly Section[], budget: Budget): Group[] {
  const headings = sections.flatMap((section) => section.path.slice(-1));
  if (headings.length === 0) return [];
  return [
    { path: [], atoms: headings.map((text) => makeAtom(text, '\n', false, undefined, budget.counter)) },
  ];
}

function commonPrefix(paths: readonly (readonly string[])[]): string[] {
  const [first, ...rest] = paths;
  if (first === undefined) return [];
  let length = first.length;
  for (const path of rest) {
    let i = 0;
    while (i < length && i < path.length && path[i] === first[i]) i++;
    length = i;
  }
  return first.slice(0, length);
}

/** Blocks → atoms small enough that any atom plus a full overlap fits in one chunk. */
function sectionAtoms(blocks: readonly Block[], budget: Budget): Atom[] {
  // Two tokens of margin for the separator an atom brings with it.
  const limit = budget.maxTokens - budget.overlapTokens - 2;
  const atoms: Atom[] = [];
  const addProse = (text: string, separator: Atom['separator'], page: number | undefined): void => {
    let first = true;
    for (const sentence of splitSentences(text)) {
      for (const piece of splitIfLong(sentence, limit, budget.counter)) {
        atoms.push(
          makeAtom(piece, first ? separator : ' ', first && separator === '\n\n', page, budget.counter),
        );
        first = false;
      }
    }
  };
  const addLines = (lines: readonly string[], page?: number): void => {
    lines.forEach((line, i) => {
      addProse(line, i === 0 ? '\n\n' : '\n', page);
    });
  };

  for (const block of blocks) {
    switch (block.kind) {
      case 'heading':
        break;
      case 'paragraph':
        addProse(block.text, '\n\n', block.page);
        break;
      case 'list':
        addLines(block.items.map((item, i) => (block.ordered ? `${i + 1}. ${item}` : `- ${item}`)));
        break;
      case 'table':
        addLines(block.rows.map((row) => renderTableRow(block.headers, row)).filter((line) => line !== ''));
        break;
      case 'code':
        addLines(block.text.split('\n').filter((line) => line.trim() !== ''));
        break;
    }
  }
  return atoms;
}

function splitIfLong(text: string, limit: number, counter: TokenCounter): string[] {
  return counter.count(text) <= limit ? [text] : splitToTokenLimit(text, limit, counter);
}

function makeAtom(
  text: string,
  separator: Atom['separator'],
  startsBlock: boolean,
  page: number | undefined,
  counter: TokenCounter,
): Atom {
  return { text, separator, startsBlock, page, tokens: counter.count(separator + text) };
}

function sum(atoms: readonly Atom[]): number {
  return atoms.reduce((acc, atom) => acc + atom.tokens, 0);
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
    let used = sum(overlap);
    let end = next;
    while (end < atoms.length && used + (atoms[end]?.tokens ?? 0) <= maxTokens) {
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
    if (end < atoms.length) end = preferBlockStart(atoms, next, end, sum(overlap), maxTokens);

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
    chunks.push({ headingPath: path, text, tokenCount, page: fresh.find((atom) => atom.page)?.page });
    next += fresh.length;
    overlap = overlapTokens > 0 ? takeOverlap([...overlap, ...fresh], overlapTokens, counter) : [];
  }
  return chunks;
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

/** The last whole atoms that fit in `limit` tokens; failing that, the last words of the last atom. */
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
  if (last === undefined) return [];
  const words = last.text.split(' ');
  let start = words.length;
  while (start > 0 && counter.count(` ${words.slice(start - 1).join(' ')}`) <= limit) start--;
  if (start === words.length) return [];
  const text = words.slice(start).join(' ');
  return [{ text, separator: ' ', startsBlock: false, page: last.page, tokens: counter.count(` ${text}`) }];
}

function joinAtoms(atoms: readonly Atom[]): string {
  return atoms.map((atom, i) => (i === 0 ? atom.text : atom.separator + atom.text)).join('');
}
