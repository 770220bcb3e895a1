import type { Atom, Budget } from './chunk-atoms.ts';
import { makeAtom, sectionAtoms, sumTokens } from './chunk-atoms.ts';
import type { Block } from './parsed-document.ts';

/** Sections of a parsed document (cut at headings) and how they are grouped into chunkable runs. */

export interface Section {
  readonly path: readonly string[];
  readonly blocks: readonly Block[];
}

/** Longer "headings" are text someone styled as a heading; they would make a useless heading path. */
const MAX_HEADING_CHARS = 300;

/** Cuts the blocks at headings; each section carries the path of headings above it. */
export function splitSections(blocks: readonly Block[]): Section[] {
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

export interface Group {
  readonly path: readonly string[];
  readonly atoms: readonly Atom[];
}

/**
 * One group per section, except that runs of small sections (each under a third of the budget) under
 * one parent — a parent's own text followed by its children, or siblings — that fit the budget
 * together become one group labelled with the parent path. A document that fits as a whole is one group.
 */
export function groupSmallSections(sections: readonly Section[], budget: Budget): Group[] {
  const measured = sections.map((section) => {
    const atoms = sectionAtoms(section.blocks, budget);
    return { path: section.path, atoms, tokens: sumTokens(atoms) };
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
      // The heading line goes with its section's first page, so a page break never parts it from its text.
      if (!same) {
        const line = makeAtom(heading, '\n\n', true, entry.atoms[0]?.page, budget.counter);
        atoms.push({ ...line, path: entry.path.slice(0, depth + 1) });
      }
    }
    printed = entry.path;
    for (const atom of entry.atoms) atoms.push({ ...atom, path: entry.path });
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

export function commonPrefix(paths: readonly (readonly string[])[]): string[] {
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
