import { describe, expect, it } from 'vitest';
import { buildDocx, docx } from './fixtures/docx-builder.ts';
import { parseDocument } from './parse-document.ts';
import { parseDocx } from './parse-docx.ts';
import { unprocessable } from './test-helpers.ts';
import { ZipFormatError } from './zip-directory.ts';

const POLICY = [
  docx.title('Travel Policy'),
  docx.paragraph('Applies to employees & contractors.'),
  docx.heading(1, 'Booking'),
  docx.paragraph('Book through the travel portal.'),
  docx.listItem('Flights: economy class'),
  docx.listItem('Trains: first class over 4 hours', 1, 1),
  docx.listItem('Submit receipts', 2),
  docx.listItem('Wait for approval', 2),
  docx.heading(2, 'Hotel limits'),
  docx.table(
    [
      ['City', 'Limit per night'],
      ['Berlin', '150 EUR'],
      ['Paris', '190 EUR'],
    ],
    { headerRow: true },
  ),
];

describe('parseDocx', () => {
  it('maps Word heading styles to headings and keeps lists and tables; the Title style is the title', async () => {
    const doc = await parseDocx(buildDocx(POLICY));
    expect(doc.title).toBe('Travel Policy');
    expect(doc.blocks).toEqual([
      { kind: 'paragraph', text: 'Applies to employees & contractors.' },
      { kind: 'heading', level: 1, text: 'Booking' },
      { kind: 'paragraph', text: 'Book through the travel portal.' },
      { kind: 'list', ordered: false, items: ['Flights: economy class', 'Trains: first class over 4 hours'] },
      { kind: 'list', ordered: true, items: ['Submit receipts', 'Wait for approval'] },
      { kind: 'heading', level: 2, text: 'Hotel limits' },
      {
        kind: 'table',
        headers: ['City', 'Limit per night'],
        rows: [
          ['Berlin', '150 EUR'],
          ['Paris', '190 EUR'],
        ],
      },
    ]);
  });

  it('keeps a second Title-styled paragraph as text rather than dropping it', async () => {
    const doc = await parseDocx(
      buildDocx([docx.title('Handbook'), docx.paragraph('Intro'), docx.title('Appendix')]),
    );
    expect(doc.title).toBe('Handbook');
    expect(doc.blocks).toEqual([
      { kind: 'paragraph', text: 'Intro' },
      { kind: 'paragraph', text: 'Appendix' },
    ]);
  });

  it('falls back to the title in the document properties', async () => {
    const doc = await parseDocx(buildDocx([docx.paragraph('Body')], { propertiesTitle: 'Q3 Report' }));
    expect(doc.title).toBe('Q3 Report');
  });

  it('refuses a truncated DOCX as damaged', async () => {
    const bytes = buildDocx(POLICY);
    const error = await unprocessable(() => parseDocx(bytes.subarray(0, bytes.byteLength - 40)));
    expect(error.message).toBe('This Word document is damaged and cannot be opened.');
    const viaUpload = await unprocessable(() =>
      parseDocument({ bytes: bytes.subarray(0, 1000), filename: 'policy.docx' }),
    );
    expect(viaUpload.message).toBe('This Word document is damaged and cannot be opened.');
  });

  it('refuses a zip bomb whose header under-states the size before inflating it', async () => {
    // 64 MB of spaces compresses to ~64 KB; the header claims 2 KB.
    // Well-formed, so only the size check (not an XML error) can stop it.
    const bomb = `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${' '.repeat(64 * 1024 * 1024)}<w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>`;
    const bytes = buildDocx([], { entries: [{ name: 'word/document.xml', data: bomb, declaredSize: 2048 }] });
    expect(bytes.byteLength).toBeLessThan(200 * 1024);
    const error = await unprocessable(() => parseDocx(bytes));
    expect(error.message).toBe('This Word document is damaged and cannot be opened.');
    // Refused by our size-capped inflation, not by JSZip after inflating all 64 MB into memory.
    expect(error.cause).toBeInstanceOf(ZipFormatError);
  });

  it('refuses a DOCX that declares more text than can be processed', async () => {
    const bytes = buildDocx([docx.paragraph('x')], {
      entries: [{ name: 'word/styles.xml', data: '<w:styles/>', declaredSize: 2_000_000_000 }],
    });
    const error = await unprocessable(() => parseDocx(bytes));
    expect(error.message).toMatch(/^This Word document expands to more than 160 MB of text when opened/);
  });

  it('refuses a DOCX with encrypted entries as password-protected', async () => {
    const bytes = buildDocx([docx.paragraph('x')], {
      entries: [{ name: 'word/document.xml', data: '<w:document/>', encrypted: true }],
    });
    const error = await unprocessable(() => parseDocx(bytes));
    expect(error.message).toMatch(/password-protected/);
  });

  it('refuses a DOCX with broken XML as damaged', async () => {
    const bytes = buildDocx([], {
      entries: [{ name: 'word/document.xml', data: '<w:document><w:body><w:p>' }],
    });
    const error = await unprocessable(() => parseDocx(bytes));
    expect(error.message).toBe('This Word document is damaged and cannot be opened.');
  });
});

describe('parseDocx zip bombs outside the .xml names', () => {
  const MAIN_BIN_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/main.bin"/>
</Relationships>`;
  const body = (filler: string) =>
    `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>연차 휴가${filler}</w:t></w:r></w:p></w:body></w:document>`;

  it('refuses a main part renamed word/main.bin that expands like a bomb, before mammoth reads it', async () => {
    const bytes = buildDocx([], {
      entries: [
        { name: '_rels/.rels', data: MAIN_BIN_RELS },
        { name: 'word/main.bin', data: body(' '.repeat(24 * 1024 * 1024)) },
      ],
    });
    expect(bytes.byteLength).toBeLessThan(200 * 1024);
    const error = await unprocessable(() => parseDocx(bytes));
    expect(error.message).toMatch(/^This Word document expands to more than 160 MB of text when opened/);
  });

  it('refuses a word/main.bin whose header under-states its size as damaged, by our capped inflation', async () => {
    const bytes = buildDocx([], {
      entries: [
        { name: '_rels/.rels', data: MAIN_BIN_RELS },
        { name: 'word/main.bin', data: body(' '.repeat(16 * 1024 * 1024)), declaredSize: 4096 },
      ],
    });
    const error = await unprocessable(() => parseDocx(bytes));
    expect(error.message).toBe('This Word document is damaged and cannot be opened.');
    expect(error.cause).toBeInstanceOf(ZipFormatError);
  });

  it('still reads a Korean document whose main part has an unusual name', async () => {
    const bytes = buildDocx([], {
      entries: [
        { name: '_rels/.rels', data: MAIN_BIN_RELS },
        { name: 'word/main.bin', data: body('는 15일입니다.') },
      ],
    });
    const doc = await parseDocx(bytes);
    expect(doc.blocks).toEqual([{ kind: 'paragraph', text: '연차 휴가는 15일입니다.' }]);
  });
});
