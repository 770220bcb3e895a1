import { CsvError, parse } from 'csv-parse/sync';
import { UnprocessableDocumentError } from '../errors.ts';
import { decodeText } from './decode-text.ts';
import type { ParsedDocument } from './parsed-document.ts';
import { normalizeWhitespace } from './parsed-document.ts';

/**
 * CSV → one table whose first row is the header. The chunker renders every row as
 * "Header: value; Header: value", so a chunk of rows still says what each value means.
 * Ragged rows are accepted: missing cells are left out, extra cells become "Column N".
 */
export function parseCsv(bytes: Uint8Array): ParsedDocument {
  const text = decodeText(bytes, 'CSV file');
  let records: string[][];
  try {
    records = parse(text, {
      delimiter: detectDelimiter(text),
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    });
  } catch (error) {
    throw new UnprocessableDocumentError(`This CSV file could not be read: ${describeCsvError(error)}`, {
      cause: error,
    });
  }

  const rows = records
    .map((record) => record.map((cell) => normalizeWhitespace(cell)))
    .filter((row) => row.some((cell) => cell !== ''));
  const [headers, ...body] = rows;
  if (headers === undefined) return { title: null, blocks: [] };
  if (body.length === 0) return { title: null, blocks: [{ kind: 'table', headers: null, rows: [headers] }] };
  return { title: null, blocks: [{ kind: 'table', headers, rows: body }] };
}

/** Spreadsheets in many locales export ";" (and some tools tab) instead of ","; the header line tells. */
function detectDelimiter(text: string): string {
  const end = text.indexOf('\n');
  const header = (end === -1 ? text : text.slice(0, end)).replace(/"[^"]*"/g, '');
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t', '|']) {
    const count = header.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

function describeCsvError(error: unknown): string {
  if (error instanceof CsvError) {
    const line = typeof error.lines === 'number' ? ` (line ${error.lines})` : '';
    if (error.code === 'CSV_QUOTE_NOT_CLOSED') return `a quoted value is never closed${line}.`;
    return `the file is not valid CSV${line}.`;
  }
  return 'the file is not valid CSV.';
}
