/** The one structure every parser produces and the chunker consumes. */

export const DOCUMENT_KINDS = [
  'pdf',
  'docx',
  'html',
  'markdown',
  'text',
  'csv',
  'hwp',
  'hwpx',
  'xlsx',
  'pptx',
  'eml',
  'msg',
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export interface HeadingBlock {
  readonly kind: 'heading';
  /** 1 (top) to 6. */
  readonly level: number;
  readonly text: string;
}

export interface ParagraphBlock {
  readonly kind: 'paragraph';
  readonly text: string;
  /** 1-based page number; only formats with pages (PDF) set it. */
  readonly page?: number | undefined;
}

export interface ListBlock {
  readonly kind: 'list';
  readonly ordered: boolean;
  /** Nested lists are flattened into the items of the outermost list, in reading order. */
  readonly items: readonly string[];
}

export interface TableBlock {
  readonly kind: 'table';
  /** Column names, when the table has a header row. */
  readonly headers: readonly string[] | null;
  readonly rows: readonly (readonly string[])[];
}

export interface CodeBlock {
  readonly kind: 'code';
  /** Line breaks kept; everything else as written. */
  readonly text: string;
}

export type Block = HeadingBlock | ParagraphBlock | ListBlock | TableBlock | CodeBlock;

export interface ParsedDocument {
  /** The title the document gives itself (HTML <title>, first h1, PDF metadata); null when it has none. */
  readonly title: string | null;
  readonly blocks: readonly Block[];
}

/** Collapses every run of whitespace (including no-break spaces and line breaks) to one space. */
export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * One table row as a line that stands on its own in any chunk: "Header: value; Header: value".
 * Empty cells are left out; cells beyond the header (ragged rows) are named "Column N";
 * without headers the cells are joined with " | ".
 */
export function renderTableRow(headers: readonly string[] | null, row: readonly string[]): string {
  if (headers === null) {
    return row.filter((cell) => cell !== '').join(' | ');
  }
  const parts: string[] = [];
  row.forEach((cell, i) => {
    if (cell === '') return;
    const header = headers[i];
    parts.push(`${header !== undefined && header !== '' ? header : `Column ${i + 1}`}: ${cell}`);
  });
  return parts.join('; ');
}

/** The words of a block, without structure: for emptiness checks and for flattening nested blocks. */
export function blockPlainText(block: Block): string {
  switch (block.kind) {
    case 'heading':
    case 'paragraph':
    case 'code':
      return block.text;
    case 'list':
      return block.items.join(' ');
    case 'table':
      return block.rows.map((row) => row.join(' ')).join(' ');
  }
}

/** True when a document has at least one block with some text in it. */
export function hasText(blocks: readonly Block[]): boolean {
  return blocks.some((block) => blockPlainText(block).trim() !== '');
}
