/**
 * Scanned PDFs need the `tesseract` program with Korean and English data (.ci/run installs them; so does
 * the Docker image). Without it these tests fail, never skip: OCR is a feature we ship.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OCR_UNAVAILABLE } from './ocr.ts';
import { checkTesseract, createTesseractRecognizer, tesseractFor } from './ocr-tesseract.ts';
import { parseDocument } from './parse-document.ts';
import { unprocessable } from './test-helpers.ts';

const SCAN = new Uint8Array(readFileSync(new URL('fixtures/scanned-korean.pdf', import.meta.url)));

describe('scanned PDFs', () => {
  it('has Tesseract with Korean and English installed where the tests run', () => {
    expect(checkTesseract({ languages: 'kor+eng' })).toBeNull();
  });

  it('reads the Korean and English text of a 5-page scan, each paragraph with its page', async () => {
    const parsed = await parseDocument({
      bytes: SCAN,
      filename: '출장규정-스캔.pdf',
      ocr: tesseractFor('kor+eng', 120_000),
    });
    const pageOf = (needle: string) =>
      parsed.blocks.find(
        (block) => block.kind === 'paragraph' && block.text.replaceAll(' ', '').includes(needle),
      );
    expect(pageOf('일비는하루미화80달러로한다')).toMatchObject({ page: 3 });
    expect(pageOf('USD80perday')).toMatchObject({ page: 3 });
    expect(pageOf('10일이내에정산하여야한다')).toMatchObject({ page: 4 });
    expect(new Set(parsed.blocks.map((block) => (block.kind === 'paragraph' ? block.page : 0)))).toEqual(
      new Set([1, 2, 3, 4, 5]),
    );
  });

  it('without OCR, fails saying how to enable it instead of storing an empty document', async () => {
    const error = await unprocessable(() => parseDocument({ bytes: SCAN, filename: 'scan.pdf', ocr: null }));
    expect(error.message).toBe(OCR_UNAVAILABLE);
  });

  it('when Tesseract cannot run, the page is named and no internals are shown', async () => {
    const broken = createTesseractRecognizer({ languages: 'kor+eng', command: '/nonexistent/tesseract' });
    const error = await unprocessable(() =>
      parseDocument({ bytes: SCAN, filename: 'scan.pdf', ocr: broken }),
    );
    expect(error.message).toBe('Text recognition (OCR) could not read page 1 of this PDF.');
  });
});
