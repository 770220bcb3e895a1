import { describe, expect, it } from 'vitest';
import { UnprocessableDocumentError } from '../errors.ts';
import { buildDocx, docx } from './fixtures/docx-builder.ts';
import { formatSize, parseDocument } from './parse-document.ts';
import { unprocessable, utf8 } from './test-helpers.ts';

describe('parseDocument', () => {
  it('detects the kind, parses it and reports the canonical MIME type', async () => {
    const html = await parseDocument({ bytes: utf8('<title>T</title><p>Hi</p>'), filename: 'a.html' });
    expect(html).toMatchObject({ kind: 'html', mimeType: 'text/html', title: 'T' });
    const csv = await parseDocument({ bytes: utf8('a,b\n1,2'), filename: 'x', mimeType: 'text/csv' });
    expect(csv).toMatchObject({ kind: 'csv', mimeType: 'text/csv' });
    const word = await parseDocument({ bytes: buildDocx([docx.paragraph('Hi')]), filename: 'a.docx' });
    expect(word).toMatchObject({ kind: 'docx', blocks: [{ kind: 'paragraph', text: 'Hi' }] });
  });

  it('refuses a file over the size limit with both sizes, before parsing', async () => {
    const bytes = new Uint8Array(Math.round(61.2 * 1024 * 1024));
    const error = await unprocessable(() => parseDocument({ bytes, filename: 'big.pdf' }));
    expect(error.message).toBe('File is 61.2 MB; the limit is 50 MB.');
    const small = await unprocessable(() =>
      parseDocument({ bytes: utf8('x'.repeat(3000)), filename: 'a.txt', maxBytes: 1024 }),
    );
    expect(small.message).toBe('File is 2.9 KB; the limit is 1 KB.');
  });

  it('refuses empty and whitespace-only files as having no text', async () => {
    expect(
      (await unprocessable(() => parseDocument({ bytes: new Uint8Array(), filename: 'a.txt' }))).message,
    ).toBe('No extractable text found: the file is empty.');
    expect(
      (await unprocessable(() => parseDocument({ bytes: utf8(' \n\n\t'), filename: 'a.md' }))).message,
    ).toBe('No extractable text found in this Markdown file.');
    const onlyScript = utf8('<script>x()</script><style>p{}</style>');
    expect(
      (await unprocessable(() => parseDocument({ bytes: onlyScript, filename: 'a.html' }))).message,
    ).toBe('No extractable text found in this HTML page.');
  });

  it('refuses an unsupported type', async () => {
    const error = await unprocessable(() =>
      parseDocument({ bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2]), filename: 'logo.png' }),
    );
    expect(error.message).toBe(
      'Unsupported file type: .png (supported: PDF, DOCX, HWP, HWPX, XLSX, PPTX, EML, MSG, HTML, Markdown, plain text, CSV)',
    );
  });

  it('only ever fails with UnprocessableDocumentError on garbage, under any name', async () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const prefixes = ['', '%PDF-1.4\n', 'PK\x03\x04', '<html><table><tr><td>', '# ', '"a,b\n'];
    for (const name of ['a.pdf', 'a.docx', 'a.html', 'a.md', 'a.txt', 'a.csv', 'noname']) {
      for (const prefix of prefixes) {
        const noise = Array.from({ length: 2000 }, () => Math.floor(random() * 256));
        const bytes = new Uint8Array([...utf8(prefix), ...noise]);
        await parseDocument({ bytes, filename: name }).catch((error: unknown) => {
          expect(error).toBeInstanceOf(UnprocessableDocumentError);
        });
      }
    }
  });
});

describe('formatSize', () => {
  it('uses at most one decimal and the largest sensible unit', () => {
    expect(formatSize(50 * 1024 * 1024)).toBe('50 MB');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(12)).toBe('12 bytes');
  });
});
