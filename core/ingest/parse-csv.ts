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

/**
 * Spreadsheets in many locales export ";" and some tools tab instead of ",". The delimiter is the one
 * that splits the first lines into the same number of columns; on a tie the one that occurs least in
 * ordinary text wins (tab, then semicolon, then comma, then pipe).
 */
function detectDelimiter(text: string): string {
  const sample = text
    .slice(0, 64 * 1024)
    .split(/\r?\n/)
    .slice(0, 10)
    .map((line) => line.replace(/"[^"]*"/g, ''))
    .filter((line) => line.trim() !== '');
  let best = ',';
  let bestScore = 0;
  for (const candidate of ['\t', ';', ',', '|']) {
    const counts = sample.map((line) => line.split(candidate).length - 1);
    const first = counts[0] ?? 0;
    const consistent = counts.every((count) => count === first);
    // Consistent splits outrank any inconsistent one; within each, more columns win.
    const score = first === 0 ? 0 : first + (consistent ? 1_000_000 : 0);
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
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
