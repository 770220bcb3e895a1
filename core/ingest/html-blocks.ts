import { Tokenizer } from 'htmlparser2';
import { IGNORED_TOKENS } from './html-entities.ts';
import type { Block, ParsedDocument, TableBlock } from './parsed-document.ts';
import { normalizeWhitespace } from './parsed-document.ts';

/**
 * HTML → blocks, shared by the HTML parser and the DOCX parser (mammoth writes HTML).
 *
 * Built on htmlparser2's Tokenizer rather than its Parser: the Parser keeps an element stack that it
 * shifts and unshifts, which is quadratic in nesting depth (200k nested <div>s take seconds, a million
 * minutes). Text extraction needs no tree, so this is a flat state machine: counters instead of a stack,
 * linear in the input however deep or unbalanced the markup is.
 */

/** Elements whose content is never document text. */
const SKIPPED = new Set(
  'script style nav noscript template iframe svg math object canvas select button textarea'.split(' '),
);

/** Elements that end the running paragraph. */
const BLOCK = new Set(
  (
    'address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption ' +
    'figure footer form header hgroup hr html legend main menu p section summary caption thead tbody ' +
    'tfoot li ul ol table tr td th pre h1 h2 h3 h4 h5 h6'
  ).split(' '),
);

const HEADING = /^h([1-6])$/;

interface ListState {
  readonly ordered: boolean;
  readonly items: string[];
  depth: number;
}

interface TableRow {
  readonly cells: string[];
  header: boolean;
}

interface TableState {
  depth: number;
  readonly rows: TableRow[];
  row: TableRow | null;
  cellOpen: boolean;
  /** Text inside the table but outside any cell (captions, stray text), kept as paragraphs. */
  readonly loose: string[];
}

export function htmlToDocument(html: string): ParsedDocument {
  const blocks: Block[] = [];
  let inline: string[] = [];
  let title: string | null = null;
  let titleText: string[] | null = null;
  let firstH1: string | null = null;
  let skip: { name: string; depth: number } | null = null;
  let heading: number | null = null;
  let preDepth = 0;
  let list: ListState | null = null;
  let table: TableState | null = null;

  const takeInline = (): string => {
    const text = normalizeWhitespace(inline.join(''));
    inline = [];
    return text;
  };

  const endParagraph = (): void => {
    const text = takeInline();
    if (text !== '') blocks.push({ kind: 'paragraph', text });
  };

  const endHeading = (): void => {
    const text = takeInline();
    if (heading !== null && text !== '') {
      blocks.push({ kind: 'heading', level: heading, text });
      if (heading === 1 && firstH1 === null) firstH1 = text;
    }
    heading = null;
  };

  const endPre = (): void => {
    const text = inline
      .join('')
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .replace(/^\n+|\n+$/g, '');
    inline = [];
    if (text.trim() !== '') blocks.push({ kind: 'code', text });
  };

  const endItem = (): void => {
    const text = takeInline();
    if (list !== null && text !== '') list.items.push(text);
  };

  const endList = (): void => {
    endItem();
    if (list !== null && list.items.length > 0) {
      blocks.push({ kind: 'list', ordered: list.ordered, items: list.items });
    }
    list = null;
  };

  const endCell = (): void => {
    if (table === null) return;
    if (table.cellOpen) {
      table.cellOpen = false;
      table.row?.cells.push(takeInline());
    } else {
      const text = takeInline();
      if (text !== '') table.loose.push(text);
    }
  };

  const endRow = (): void => {
    if (table === null) return;
    endCell();
    if (table.row?.cells.some((cell) => cell !== '')) table.rows.push(table.row);
    table.row = null;
  };

  const endTable = (): void => {
    if (table === null) return;
    endRow();
    for (const text of table.loose) blocks.push({ kind: 'paragraph', text });
    const block = toTableBlock(table.rows);
    if (block !== null) blocks.push(block);
    table = null;
  };

  /** A block-level tag inside a heading, list or table only separates words; elsewhere it ends a paragraph. */
  const boundary = (): void => {
    if (heading !== null || list !== null || table !== null) inline.push(' ');
    else endParagraph();
  };

  const open = (name: string): void => {
    if (skip !== null) {
      if (name === skip.name) skip.depth++;
      return;
    }
    if (SKIPPED.has(name)) {
      skip = { name, depth: 1 };
      return;
    }
    if (name === 'title') {
      titleText = [];
      return;
    }
    if (preDepth > 0) {
      if (name === 'pre') preDepth++;
      else if (name === 'br') inline.push('\n');
      return;
    }
    if (name === 'br') {
      inline.push(heading !== null ? ' ' : '\n');
      return;
    }
    if (heading !== null) {
      if (BLOCK.has(name)) inline.push(' ');
      return;
    }
    const level = HEADING.exec(name);
    if (level !== null && list === null && table === null) {
      endParagraph();
      heading = Number(level[1]);
      return;
    }
    switch (name) {
      case 'pre':
        if (list !== null || table !== null) {
          boundary();
          return;
        }
        endParagraph();
        preDepth = 1;
        return;
      case 'ul':
      case 'ol':
        if (list !== null) {
          list.depth++;
          endItem();
        } else if (table !== null) {
          boundary();
        } else {
          endParagraph();
          list = { ordered: name === 'ol', items: [], depth: 1 };
        }
        return;
      case 'li':
        if (list !== null) endItem();
        else boundary();
        return;
      case 'table':
        if (table !== null) table.depth++;
        else if (list !== null) boundary();
        else {
          endParagraph();
          table = { depth: 1, rows: [], row: null, cellOpen: false, loose: [] };
        }
        return;
      case 'tr':
        if (table?.depth === 1) {
          endRow();
          table.row = { cells: [], header: true };
        } else boundary();
        return;
      case 'td':
      case 'th':
        if (table?.depth === 1) {
          endCell();
          table.row ??= { cells: [], header: true };
          if (name === 'td') table.row.header = false;
          table.cellOpen = true;
        } else boundary();
        return;
      default:
        if (BLOCK.has(name)) boundary();
    }
  };

  const close = (name: string): void => {
    if (skip !== null) {
      if (name === skip.name && --skip.depth === 0) skip = null;
      return;
    }
    if (name === 'title') {
      if (titleText !== null) {
        const text = normalizeWhitespace(titleText.join(''));
        titleText = null;
        // Only the first title names the document; a later one (Word's Title style used twice) is text.
        if (title === null) title = text !== '' ? text : null;
        else if (text !== '') blocks.push({ kind: 'paragraph', text });
      }
      return;
    }
    if (preDepth > 0) {
      if (name === 'pre' && --preDepth === 0) endPre();
      return;
    }
    if (heading !== null) {
      if (HEADING.test(name)) endHeading();
      else if (BLOCK.has(name)) inline.push(' ');
      return;
    }
    switch (name) {
      case 'ul':
      case 'ol':
        if (list !== null) {
          if (--list.depth === 0) endList();
          else endItem();
        } else boundary();
        return;
      case 'li':
        if (list !== null) endItem();
        else boundary();
        return;
      case 'table':
        if (table !== null) {
          if (--table.depth === 0) endTable();
        } else boundary();
        return;
      case 'tr':
        if (table?.depth === 1) endRow();
        else boundary();
        return;
      case 'td':
      case 'th':
        if (table?.depth === 1) endCell();
        else boundary();
        return;
      default:
        if (BLOCK.has(name)) boundary();
    }
  };

  const onText = (value: string): void => {
    if (skip !== null) return;
    if (titleText !== null) titleText.push(value);
    else inline.push(value);
  };

  let tagName = '';
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      onopentagname: (start, end) => {
        tagName = html.slice(start, end).toLowerCase();
      },
      onopentagend: () => open(tagName),
      // HTML has no self-closing elements; an XHTML-style <x/> is treated as opened and closed.
      onselfclosingtag: () => {
        open(tagName);
        close(tagName);
      },
      onclosetag: (start, end) => close(html.slice(start, end).toLowerCase()),
      ontext: (start, end) => onText(html.slice(start, end)),
      ontextentity: (codepoint) => onText(String.fromCodePoint(codepoint)),
      ...IGNORED_TOKENS,
    },
  );
  tokenizer.write(html);
  tokenizer.end();

  if (preDepth > 0) endPre();
  if (heading !== null) endHeading();
  if (list !== null) endList();
  if (table !== null) endTable();
  endParagraph();

  return { title: title ?? firstH1, blocks };
}

/**
 * A header row is one made of <th> cells (mammoth writes those for Word's "repeat as header row").
 * Without one, a first row of short, non-numeric labels above at least one data row is taken as the
 * header: that is how nearly every table in a policy document or a spreadsheet export is laid out.
 */
function toTableBlock(rows: readonly TableRow[]): TableBlock | null {
  const [first, ...rest] = rows;
  if (first === undefined) return null;
  if (rest.length === 0) return { kind: 'table', headers: null, rows: [first.cells] };
  const looksLikeHeader =
    first.header ||
    (first.cells.length >= 2 &&
      first.cells.every((cell) => cell !== '' && cell.length <= 60 && !/^[\d\s.,%$€£+-]+$/.test(cell)));
  return looksLikeHeader
    ? { kind: 'table', headers: first.cells, rows: rest.map((row) => row.cells) }
    : { kind: 'table', headers: null, rows: rows.map((row) => row.cells) };
}
