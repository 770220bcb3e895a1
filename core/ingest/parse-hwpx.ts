import { UnprocessableDocumentError } from '../errors.ts';
import { openPackage, readXml } from './office-package.ts';
import type { Block, ParsedDocument } from './parsed-document.ts';
import { normalizeWhitespace } from './parsed-document.ts';

/**
 * HWPX (OWPML, KS X 6101): a zip whose Contents/sectionN.xml hold paragraphs (hp:p → hp:run → hp:t) and
 * tables (hp:tbl → hp:tr → hp:tc, each cell with its hp:cellAddr). As for HWP, each section becomes a
 * heading ("Section 2") when there is more than one, so a citation names the section.
 */

const LABEL = 'HWPX document';

export function parseHwpx(bytes: Uint8Array): ParsedDocument {
  const pkg = openPackage(bytes, LABEL, 'Contents/section0.xml');
  if (/encryption-data/.test(pkg.text('META-INF/manifest.xml') ?? '')) {
    throw new UnprocessableDocumentError(
      'This HWPX document is password-protected. Remove the password in Hancom Office and upload it again.',
    );
  }
  const sections = pkg.names
    .map((name) => /^Contents\/section(\d+)\.xml$/.exec(name))
    .filter((match) => match !== null)
    .map((match) => ({ name: match[0], number: Number(match[1]) }))
    .sort((a, b) => a.number - b.number);
  const blocks: Block[] = [];
  for (const section of sections) {
    if (sections.length > 1)
      blocks.push({ kind: 'heading', level: 1, text: `Section ${section.number + 1}` });
    blocks.push(...sectionBlocks(pkg.text(section.name) ?? ''));
  }
  return { title: readTitle(pkg.text('Contents/content.hpf')), blocks };
}

interface Table {
  readonly cells: Map<string, string>;
  current: { key: string; text: string } | null;
  nextRow: number;
  nextCol: number;
}

function sectionBlocks(xml: string): Block[] {
  const blocks: Block[] = [];
  const tables: Table[] = [];
  let paragraph = '';
  let inText = false;
  readXml(xml, {
    onOpen(name, attributes) {
      const table = tables.at(-1);
      if (name === 'tbl') tables.push({ cells: new Map(), current: null, nextRow: -1, nextCol: 0 });
      else if (name === 'tr' && table !== undefined) {
        table.nextRow += 1;
        table.nextCol = 0;
      } else if (name === 'tc' && table !== undefined && tables.length === 1) {
        table.current = { key: `${table.nextRow}:${table.nextCol}`, text: '' };
        table.nextCol += 1;
      } else if (name === 'cellAddr' && table?.current != null && tables.length === 1) {
        table.current.key = `${attributes.rowAddr ?? table.nextRow}:${attributes.colAddr ?? table.nextCol - 1}`;
      } else if (name === 't') inText = true;
      else if ((name === 'tab' || name === 'lineBreak') && inText) append(' ');
    },
    onText(text) {
      if (inText) append(text);
    },
    onClose(name) {
      const table = tables.at(-1);
      if (name === 't') inText = false;
      else if (name === 'p') {
        if (table !== undefined) append(' ');
        else {
          const text = normalizeWhitespace(paragraph);
          paragraph = '';
          if (text !== '') blocks.push({ kind: 'paragraph', text });
        }
      } else if (name === 'tc' && table?.current != null && tables.length === 1) {
        table.cells.set(table.current.key, normalizeWhitespace(table.current.text));
        table.current = null;
      } else if (name === 'tbl' && table !== undefined) {
        tables.pop();
        if (tables.length === 0) blocks.push(tableBlock(table.cells));
      }
    },
  });
  return blocks;

  function append(text: string): void {
    const table = tables[0];
    if (table?.current != null) table.current.text += text;
    else if (table === undefined) paragraph += text;
  }
}

function tableBlock(cells: ReadonlyMap<string, string>): Block {
  let rows = 0;
  let cols = 0;
  for (const key of cells.keys()) {
    const [row = 0, col = 0] = key.split(':').map(Number);
    rows = Math.max(rows, row + 1);
    cols = Math.max(cols, col + 1);
  }
  const grid: string[][] = [];
  for (let row = 0; row < rows && row < 100_000; row++) {
    const line = Array.from({ length: Math.min(cols, 1000) }, (_, col) => cells.get(`${row}:${col}`) ?? '');
    if (line.some((cell) => cell !== '')) grid.push(line);
  }
  const [headers, ...body] = grid;
  if (headers === undefined || body.length === 0) return { kind: 'table', headers: null, rows: grid };
  return { kind: 'table', headers, rows: body };
}

function readTitle(xml: string | null): string | null {
  let title = '';
  let inTitle = false;
  readXml(xml ?? '', {
    onOpen: (name) => {
      inTitle = name === 'title';
    },
    onText: (text) => {
      if (inTitle) title += text;
    },
    onClose: () => {
      inTitle = false;
    },
  });
  const normalized = normalizeWhitespace(title);
  return normalized !== '' ? normalized : null;
}
