import { inflateRawSync } from 'node:zlib';
import { UnprocessableDocumentError } from '../errors.ts';
import { CompoundFileError, readCompoundFile } from './compound-file.ts';
import type { Block, ParsedDocument } from './parsed-document.ts';
import { normalizeWhitespace } from './parsed-document.ts';

/**
 * HWP 5.0 (Hancom Office's binary format): a compound file whose BodyText/SectionN streams hold records
 * (raw-deflated when FileHeader says so). Paragraph text is UTF-16LE with inline control codes; a table is a
 * 'tbl ' control followed by one list header per cell, each with the cell's column and row. Each section
 * becomes a heading ("Section 2") when there is more than one, so a citation names the section.
 */

/** Each section may inflate to this much; a 1,000-page HWP is ~20 MB of records. More is a bomb. */
const MAX_SECTION_BYTES = 64 * 1024 * 1024;
const MAX_SECTIONS = 1000;
const MAX_TABLE_CELLS = 100_000;

const DAMAGED = 'This HWP document is damaged and cannot be opened.';

const TAG_PARA_TEXT = 67;
const TAG_CTRL_HEADER = 71;
const TAG_LIST_HEADER = 72;
const TAG_TABLE = 77;
/** 'tbl ' as HWP stores control ids: a little-endian read of the four characters gives this number. */
const CTRL_TABLE = 0x74626c20;

/** Control codes that take 8 code units (the code, 6 units of data, the code again) instead of one. */
const WIDE_CONTROLS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);

export function parseHwp(bytes: Uint8Array): ParsedDocument {
  let file: ReturnType<typeof readCompoundFile>;
  let header: Uint8Array | null;
  try {
    file = readCompoundFile(bytes);
    header = file.read('FileHeader');
  } catch (error) {
    throw new UnprocessableDocumentError(DAMAGED, { cause: error });
  }
  if (header === null || !new TextDecoder().decode(header.subarray(0, 17)).startsWith('HWP Document File')) {
    throw new UnprocessableDocumentError(DAMAGED);
  }
  const flags =
    header.byteLength >= 40 ? new DataView(header.buffer, header.byteOffset).getUint32(36, true) : 0;
  if ((flags & 0x2) !== 0) {
    throw new UnprocessableDocumentError(
      'This HWP document is password-protected. Remove the password in Hancom Office and upload it again.',
    );
  }
  if ((flags & 0x4) !== 0) {
    throw new UnprocessableDocumentError(
      'This HWP document is a distribution document (배포용 문서), whose text is encrypted. Save an ordinary copy in Hancom Office and upload that.',
    );
  }
  const compressed = (flags & 0x1) !== 0;

  const sections = file.paths
    .map((path) => /^BodyText\/Section(\d+)$/.exec(path))
    .filter((match) => match !== null)
    .map((match) => ({ path: match[0], number: Number(match[1]) }))
    .sort((a, b) => a.number - b.number)
    .slice(0, MAX_SECTIONS);
  if (sections.length === 0) throw new UnprocessableDocumentError(DAMAGED);

  const blocks: Block[] = [];
  sections.forEach((section, i) => {
    let data: Uint8Array;
    try {
      const stored = file.read(section.path) ?? new Uint8Array(0);
      data = compressed ? inflateRawSync(stored, { maxOutputLength: MAX_SECTION_BYTES }) : stored;
    } catch (error) {
      if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new UnprocessableDocumentError(
          `This HWP document expands to more than ${MAX_SECTION_BYTES / 1024 / 1024} MB per section when opened, which is more than we can process. Split it into smaller documents.`,
          { cause: error },
        );
      }
      throw new UnprocessableDocumentError(DAMAGED, { cause: error });
    }
    if (sections.length > 1) blocks.push({ kind: 'heading', level: 1, text: `Section ${i + 1}` });
    blocks.push(...sectionBlocks(data));
  });
  return { title: null, blocks };
}

interface HwpRecord {
  readonly tag: number;
  readonly level: number;
  readonly data: Uint8Array;
}

function* records(data: Uint8Array): Generator<HwpRecord> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at + 4 <= data.byteLength) {
    const header = view.getUint32(at, true);
    at += 4;
    let size = header >>> 20;
    if (size === 0xfff) {
      if (at + 4 > data.byteLength) throw new CompoundFileError('a record is truncated');
      size = view.getUint32(at, true);
      at += 4;
    }
    if (at + size > data.byteLength) throw new CompoundFileError('a record is truncated');
    yield { tag: header & 0x3ff, level: (header >>> 10) & 0x3ff, data: data.subarray(at, at + size) };
    at += size;
  }
}

interface OpenTable {
  readonly level: number;
  readonly cells: Map<string, string[]>;
  rows: number;
  cols: number;
  current: string[] | null;
}

/** Top-level paragraphs in order; a table's cells are gathered by address and emitted as one table. */
function sectionBlocks(data: Uint8Array): Block[] {
  const blocks: Block[] = [];
  let table: OpenTable | null = null;
  let cellCount = 0;
  const closeTable = (): void => {
    if (table === null) return;
    blocks.push(tableBlock(table));
    table = null;
  };
  try {
    for (const record of records(data)) {
      if (table !== null && record.level <= table.level) closeTable();
      if (record.tag === TAG_CTRL_HEADER && table === null && record.data.byteLength >= 4) {
        const id = new DataView(record.data.buffer, record.data.byteOffset).getUint32(0, true);
        if (id === CTRL_TABLE)
          table = { level: record.level, cells: new Map(), rows: 0, cols: 0, current: null };
        continue;
      }
      if (table !== null) {
        const open: OpenTable = table;
        const view = new DataView(record.data.buffer, record.data.byteOffset, record.data.byteLength);
        if (record.tag === TAG_TABLE && record.level === open.level + 1 && record.data.byteLength >= 8) {
          open.rows = view.getUint16(4, true);
          open.cols = view.getUint16(6, true);
        } else if (
          record.tag === TAG_LIST_HEADER &&
          record.level === open.level + 1 &&
          record.data.byteLength >= 12
        ) {
          if (++cellCount > MAX_TABLE_CELLS)
            throw new UnprocessableDocumentError(
              `This HWP document has more than ${MAX_TABLE_CELLS} table cells, which is more than we can process.`,
            );
          open.current = [];
          open.cells.set(`${view.getUint16(10, true)}:${view.getUint16(8, true)}`, open.current);
        } else if (record.tag === TAG_PARA_TEXT && open.current !== null) {
          const text = paragraphText(record.data);
          if (text !== '') open.current.push(text);
        }
        continue;
      }
      if (record.tag === TAG_PARA_TEXT && record.level <= 1) {
        const text = paragraphText(record.data);
        if (text !== '') blocks.push({ kind: 'paragraph', text });
      }
    }
  } catch (error) {
    if (error instanceof CompoundFileError) throw new UnprocessableDocumentError(DAMAGED, { cause: error });
    throw error;
  }
  closeTable();
  return blocks;
}

/** The first row is the header when the table has more than one row, as HWP forms and tables usually do. */
function tableBlock(table: OpenTable): Block {
  let rows = table.rows;
  let cols = table.cols;
  for (const key of table.cells.keys()) {
    const [row = 0, col = 0] = key.split(':').map(Number);
    rows = Math.max(rows, row + 1);
    cols = Math.max(cols, col + 1);
  }
  const grid: string[][] = [];
  for (let row = 0; row < rows; row++) {
    const cells: string[] = [];
    for (let col = 0; col < cols; col++)
      cells.push(normalizeWhitespace((table.cells.get(`${row}:${col}`) ?? []).join(' ')));
    if (cells.some((cell) => cell !== '')) grid.push(cells);
  }
  const [headers, ...body] = grid;
  if (headers === undefined || body.length === 0) return { kind: 'table', headers: null, rows: grid };
  return { kind: 'table', headers, rows: body };
}

/** UTF-16LE text with HWP's control codes removed; tabs and line breaks become spaces. */
function paragraphText(data: Uint8Array): string {
  const units = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + (data.byteLength & ~1)));
  let text = '';
  for (let i = 0; i < units.length; i++) {
    const unit = units[i] ?? 0;
    if (unit >= 32) {
      text += String.fromCharCode(unit);
    } else if (WIDE_CONTROLS.has(unit)) {
      if (unit === 9) text += ' ';
      i += 7;
    } else if (unit === 10 || unit === 30 || unit === 31) {
      text += ' ';
    }
  }
  return normalizeWhitespace(text);
}
