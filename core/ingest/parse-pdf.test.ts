import { readFile } from 'node:fs/promises';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { parseDocument } from './parse-document.ts';
import { parsePdf } from './parse-pdf.ts';
import { buildCjkCmapPdf, unprocessable } from './test-helpers.ts';

/** One page per entry; each page is a list of lines, '' for a blank line between paragraphs. */
async function buildPdf(pages: readonly (readonly string[])[], title?: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  if (title !== undefined) doc.setTitle(title);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([595, 842]);
    let y = 790;
    for (const line of lines) {
      if (line !== '') page.drawText(line, { x: 56, y, size: 11, font });
      y -= 15;
    }
  }
  return doc.save();
}

// A 1×1 transparent PNG: a page with an image and no text, like a scan.
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

describe('parsePdf', () => {
  it('extracts paragraphs with their page numbers and the metadata title', async () => {
    const bytes = await buildPdf(
      [
        [
          'Remote work is allowed up to three days',
          'per week with your manager’s approval.',
          '',
          'Equipment is provided by IT on request.',
        ],
        ['Travel costs are reimbursed within 30 days.'],
      ],
      'Remote Work Policy',
    );
    const doc = await parsePdf(bytes);
    expect(doc.title).toBe('Remote Work Policy');
    expect(doc.blocks).toEqual([
      {
        kind: 'paragraph',
        text: 'Remote work is allowed up to three days per week with your manager’s approval.',
        page: 1,
      },
      { kind: 'paragraph', text: 'Equipment is provided by IT on request.', page: 1 },
      { kind: 'paragraph', text: 'Travel costs are reimbursed within 30 days.', page: 2 },
    ]);
  });

  it('reads Korean text set in a CJK font that is not embedded (pdf.js CMaps)', async () => {
    const doc = await parsePdf(buildCjkCmapPdf('서울 출장 일비는 하루 3만 원입니다'));
    expect(doc.blocks).toEqual([{ kind: 'paragraph', text: '서울 출장 일비는 하루 3만 원입니다', page: 1 }]);
  });

  it('leaves the caller’s bytes usable (pdf.js may detach the buffer it reads)', async () => {
    const bytes = await buildPdf([['Hello']]);
    await parsePdf(bytes);
    expect(bytes.byteLength).toBeGreaterThan(0);
    expect((await parsePdf(bytes)).blocks).toHaveLength(1);
  });

  it('refuses a password-protected PDF with a message saying so', async () => {
    const bytes = new Uint8Array(
      await readFile(new URL('./fixtures/password-protected.pdf', import.meta.url)),
    );
    const error = await unprocessable(() => parsePdf(bytes));
    expect(error.message).toMatch(/^This PDF is password-protected\./);
  });

  it('refuses a truncated PDF as damaged', async () => {
    const bytes = await buildPdf([['Some text that will be cut off']]);
    const error = await unprocessable(() => parsePdf(bytes.subarray(0, Math.floor(bytes.byteLength / 2))));
    expect(error.message).toMatch(/^This PDF is damaged and cannot be read/);
  });

  it('reports a scanned (image-only) PDF as having no extractable text', async () => {
    const doc = await PDFDocument.create();
    const image = await doc.embedPng(PIXEL);
    doc.addPage([595, 842]).drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
    const bytes = await doc.save();
    expect((await parsePdf(bytes)).blocks).toEqual([]);
    const error = await unprocessable(() => parseDocument({ bytes, filename: 'scan.pdf' }));
    expect(error.message).toBe(
      'No extractable text found in this PDF. It may be a scanned image: run it through text recognition (OCR) and upload the result.',
    );
  });
});
