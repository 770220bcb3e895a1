import type { OfficePackage } from './office-package.ts';
import { openPackage, readRelationships, readXml } from './office-package.ts';
import type { Block, ParsedDocument } from './parsed-document.ts';
import { normalizeWhitespace } from './parsed-document.ts';

/**
 * XLSX → one section per sheet (the sheet's name is the heading), each sheet one table whose first
 * non-empty row is the header, so every row is indexed as "Header: value; Header: value" and a question
 * about a cell's value finds its row. Rows past MAX_ROWS (the whole workbook) are not read; a line at the
 * end of the last sheet read says so.
 */
export const MAX_ROWS = 100_000;

const LABEL = 'Excel workbook';

export function parseXlsx(bytes: Uint8Array): ParsedDocument {
  const pkg = openPackage(bytes, LABEL, 'xl/workbook.xml');
  const shared = readSharedStrings(pkg);
  const relationships = readRelationships(pkg, 'xl/workbook.xml');
  const sheets: { name: string; part: string }[] = [];
  readXml(pkg.text('xl/workbook.xml') ?? '', {
    onOpen(name, attributes) {
      if (name !== 'sheet') return;
      const id = attributes['r:id'] ?? Object.entries(attributes).find(([key]) => key.endsWith(':id'))?.[1];
      const part = id !== undefined ? relationships.get(id)?.target : undefined;
      if (part !== undefined && attributes.state !== 'hidden' && attributes.state !== 'veryHidden') {
        sheets.push({ name: attributes.name ?? part, part });
      }
    },
  });

  const blocks: Block[] = [];
  let rowsLeft = MAX_ROWS;
  for (const sheet of sheets) {
    if (rowsLeft <= 0) break;
    const rows = readSheetRows(pkg.text(sheet.part) ?? '', shared, rowsLeft);
    rowsLeft -= rows.rows.length;
    const [headers, ...body] = rows.rows;
    if (headers === undefined) continue;
    blocks.push({ kind: 'heading', level: 1, text: sheet.name });
    blocks.push(
      body.length === 0
        ? { kind: 'table', headers: null, rows: [headers] }
        : { kind: 'table', headers, rows: body },
    );
    if (rows.cut) {
      blocks.push({
        kind: 'paragraph',
        text: `Only the first ${MAX_ROWS.toLocaleString('en')} rows of this workbook were read.`,
      });
      break;
    }
  }
  return { title: readCoreTitle(pkg), blocks };
}

function readSharedStrings(pkg: OfficePackage): string[] {
  const strings: string[] = [];
  let current: string | null = null;
  let inText = false;
  let phonetic = false;
  readXml(pkg.text('xl/sharedStrings.xml') ?? '', {
    onOpen(name) {
      if (name === 'si') current = '';
      else if (name === 'rPh') phonetic = true;
      else if (name === 't') inText = !phonetic;
    },
    onText(text) {
      if (inText && current !== null) current += text;
    },
    onClose(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic = false;
      else if (name === 'si') {
        strings.push(normalizeWhitespace(current ?? ''));
        current = null;
      }
    },
  });
  return strings;
}

/** Rows with at least one value, cells placed by their column letter so gaps stay gaps. */
function readSheetRows(
  xml: string,
  shared: readonly string[],
  maxRows: number,
): { rows: string[][]; cut: boolean } {
  const rows: string[][] = [];
  let row: string[] | null = null;
  let cell: { column: number; type: string; value: string } | null = null;
  let reading = false;
  let nextColumn = 0;
  let cut = false;
  readXml(
    xml,
    {
      onOpen(name, attributes) {
        if (cut) return;
        if (name === 'row') {
          row = [];
          nextColumn = 0;
        } else if (name === 'c' && row !== null) {
          const column = attributes.r !== undefined ? columnIndex(attributes.r) : nextColumn;
          cell = { column, type: attributes.t ?? 'n', value: '' };
          nextColumn = column + 1;
        } else if ((name === 'v' || name === 't') && cell !== null) {
          reading = true;
        }
      },
      onText(text) {
        if (reading && cell !== null) cell.value += text;
      },
      onClose(name) {
        if (cut) return;
        if (name === 'v' || name === 't') reading = false;
        else if (name === 'c' && cell !== null && row !== null) {
          const value = cellText(cell.type, cell.value, shared);
          if (value !== '' && cell.column < 16_384) {
            while (row.length < cell.column) row.push('');
            row[cell.column] = value;
          }
          cell = null;
        } else if (name === 'row' && row !== null) {
          if (row.some((value) => value !== '')) {
            if (rows.length >= maxRows) cut = true;
            else rows.push(row);
          }
          row = null;
        }
      },
    },
    () => cut,
  );
  return { rows, cut };
}

function cellText(type: string, raw: string, shared: readonly string[]): string {
  switch (type) {
    case 's':
      return shared[Number(raw)] ?? '';
    case 'b':
      return raw === '1' ? 'TRUE' : 'FALSE';
    case 'e':
      return '';
    default:
      return normalizeWhitespace(raw);
  }
}

/** "C12" → 2. */
function columnIndex(reference: string): number {
  let index = 0;
  for (const char of reference) {
    const code = char.charCodeAt(0);
    if (code < 65 || code > 90) break;
    index = index * 26 + (code - 64);
  }
  return Math.max(0, index - 1);
}

/** The title set in File → Properties (docProps/core.xml), shared by the OOXML formats. */
export function readCoreTitle(pkg: OfficePackage): string | null {
  let title = '';
  let inTitle = false;
  readXml(pkg.text('docProps/core.xml') ?? '', {
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
