import { describe, expect, it } from 'vitest';
import { parseCsv } from './parse-csv.ts';
import { renderTableRow } from './parsed-document.ts';
import { unprocessable, utf8 } from './test-helpers.ts';

describe('parseCsv', () => {
  it('keeps quoted commas and newlines inside one cell and tolerates ragged rows', () => {
    const csv = [
      'Name,Office,Notes',
      'Alice,"Berlin, Mitte","Prefers email,\nnot phone"',
      'Bob,Paris',
      'Carol,London,Remote,extra value',
      ',,',
      '',
    ].join('\r\n');
    const doc = parseCsv(utf8(csv));
    expect(doc.blocks).toEqual([
      {
        kind: 'table',
        headers: ['Name', 'Office', 'Notes'],
        rows: [
          ['Alice', 'Berlin, Mitte', 'Prefers email, not phone'],
          ['Bob', 'Paris'],
          ['Carol', 'London', 'Remote', 'extra value'],
        ],
      },
    ]);
  });

  it('renders each row with its headers so the line stands alone', () => {
    const headers = ['Name', 'Office', 'Notes'];
    expect(renderTableRow(headers, ['Alice', 'Berlin, Mitte', 'Prefers email'])).toBe(
      'Name: Alice; Office: Berlin, Mitte; Notes: Prefers email',
    );
    expect(renderTableRow(headers, ['Bob', '', 'x', 'y'])).toBe('Name: Bob; Notes: x; Column 4: y');
  });

  it('detects semicolon- and tab-separated exports', () => {
    const semicolons = parseCsv(utf8('Artikel;Preis\n"Kaffee; groß";2,50\n'));
    expect(semicolons.blocks).toEqual([
      { kind: 'table', headers: ['Artikel', 'Preis'], rows: [['Kaffee; groß', '2,50']] },
    ]);
    const tabs = parseCsv(utf8('Item\tPrice, EUR\nTea\t1,80\n'));
    expect(tabs.blocks).toEqual([
      { kind: 'table', headers: ['Item', 'Price, EUR'], rows: [['Tea', '1,80']] },
    ]);
  });

  it('explains an unclosed quote instead of failing obscurely', async () => {
    const error = await unprocessable(() => parseCsv(utf8('a,b\n1,"never closed\n2,3\n')));
    expect(error.message).toMatch(/^This CSV file could not be read: a quoted value is never closed/);
  });
});
