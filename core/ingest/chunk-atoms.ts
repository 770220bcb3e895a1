import type { Block } from './parsed-document.ts';
import { renderTableRow } from './parsed-document.ts';
import { splitSentences, splitToTokenLimit } from './split-text.ts';
import type { TokenCounter } from './tokens.ts';

/** A section's blocks as the pieces the packer moves, each with its token cost. */

export interface Budget {
  readonly maxTokens: number;
  readonly overlapTokens: number;
  readonly counter: TokenCounter;
}

/** The smallest piece of text the packer moves: a sentence, a list item, a table row, a line of code. */
export interface Atom {
  readonly text: string;
  /** Tokens of `separator + text`: what the atom adds to a chunk it does not start. */
  readonly tokens: number;
  /** Put before the atom when it does not start the chunk: paragraph break, line break or space. */
  readonly separator: '\n\n' | '\n' | ' ';
  /** True for the first atom of a block: the preferred places to end a chunk. */
  readonly startsBlock: boolean;
  /** Table rows, list items and code lines are repeated whole in an overlap or not at all. */
  readonly line?: boolean;
  readonly page?: number | undefined;
  /**
   * The heading path of the section it comes from, when small sections were merged into one group: a
   * chunk cut from part of the group is then labelled with what its own atoms share.
   */
  readonly path?: readonly string[] | undefined;
}

/** Blocks → atoms small enough that any atom plus a full overlap fits in one chunk. */
export function sectionAtoms(blocks: readonly Block[], budget: Budget): Atom[] {
  // Two tokens of margin for the separator an atom brings with it.
  const limit = budget.maxTokens - budget.overlapTokens - 2;
  const atoms: Atom[] = [];
  const addProse = (text: string, separator: Atom['separator'], page?: number, line = false): void => {
    let first = true;
    for (const sentence of splitSentences(text)) {
      for (const piece of splitIfLong(sentence, limit, budget.counter)) {
        const atom = makeAtom(
          piece,
          first ? separator : ' ',
          first && separator === '\n\n',
          page,
          budget.counter,
        );
        atoms.push(line ? { ...atom, line } : atom);
        first = false;
      }
    }
  };
  const addLines = (lines: readonly string[]): void => {
    lines.forEach((line, i) => {
      addProse(line, i === 0 ? '\n\n' : '\n', undefined, true);
    });
  };

  // Code keeps its indentation: lines are not re-flowed as sentences.
  const addCode = (code: string): void => {
    const lines = code.split('\n').filter((line) => line.trim() !== '');
    lines.forEach((line, i) => {
      splitIfLong(line.trimEnd(), limit, budget.counter).forEach((piece, j) => {
        const separator = j > 0 ? ' ' : i === 0 ? '\n\n' : '\n';
        atoms.push({
          ...makeAtom(piece, separator, i === 0 && j === 0, undefined, budget.counter),
          line: true,
        });
      });
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
        addCode(block.text);
        break;
    }
  }
  return atoms;
}

function splitIfLong(text: string, limit: number, counter: TokenCounter): string[] {
  return counter.count(text) <= limit ? [text] : splitToTokenLimit(text, limit, counter);
}

export function makeAtom(
  text: string,
  separator: Atom['separator'],
  startsBlock: boolean,
  page: number | undefined,
  counter: TokenCounter,
): Atom {
  return { text, separator, startsBlock, page, tokens: counter.count(separator + text) };
}

/** What the atoms add up to inside a chunk (an upper bound on the exact count by a token or so). */
export function sumTokens(atoms: readonly Atom[]): number {
  return atoms.reduce((acc, atom) => acc + atom.tokens, 0);
}
