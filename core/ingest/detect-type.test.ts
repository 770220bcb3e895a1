import { describe, expect, it } from 'vitest';
import { UnprocessableDocumentError } from '../errors.ts';
import { detectDocumentType, MIME_TYPES } from './detect-type.ts';
import { buildDocx, docx } from './fixtures/docx-builder.ts';
import { buildZip } from './fixtures/zip-builder.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

function rejection(input: Parameters<typeof detectDocumentType>[0]): UnprocessableDocumentError {
  try {
    detectDocumentType(input);
  } catch (error) {
    if (error instanceof UnprocessableDocumentError) return error;
    throw error;
  }
  throw new Error(`expected ${input.filename} to be rejected`);
}

describe('detectDocumentType', () => {
  it('recognises a PDF and a DOCX by their bytes, whatever the name says', () => {
    expect(detectDocumentType({ bytes: text('%PDF-1.7\n...'), filename: 'scan' })).toEqual({
      kind: 'pdf',
      mimeType: 'application/pdf',
    });
    const word = buildDocx([docx.paragraph('Hello')]);
    expect(
      detectDocumentType({ bytes: word, filename: 'upload.bin', mimeType: 'application/octet-stream' }),
    ).toEqual({ kind: 'docx', mimeType: MIME_TYPES.docx });
  });

  it('uses the extension, then the declared MIME type, for text formats', () => {
    const body = text('a,b\n1,2\n');
    expect(detectDocumentType({ bytes: body, filename: 'Report.CSV' }).kind).toBe('csv');
    expect(detectDocumentType({ bytes: body, filename: 'notes.markdown' }).kind).toBe('markdown');
    expect(detectDocumentType({ bytes: body, filename: 'page.htm' }).kind).toBe('html');
    expect(detectDocumentType({ bytes: body, filename: 'readme.txt' }).kind).toBe('text');
    expect(detectDocumentType({ bytes: body, filename: 'export.tsv' })).toEqual({
      kind: 'csv',
      mimeType: 'text/csv',
    });
    expect(
      detectDocumentType({ bytes: body, filename: 'export', mimeType: 'text/csv; charset=utf-8' }),
    ).toEqual({
      kind: 'csv',
      mimeType: 'text/csv',
    });
    expect(detectDocumentType({ bytes: text('<!DOCTYPE html><p>x'), filename: 'index' }).kind).toBe('html');
    expect(detectDocumentType({ bytes: text('just words'), filename: 'LICENSE' }).kind).toBe('text');
  });

  it('refuses unsupported types with the extension and the supported list', () => {
    expect(rejection({ bytes: PNG, filename: 'diagram.png', mimeType: 'image/png' }).message).toBe(
      'Unsupported file type: .png (supported: PDF, DOCX, HWP, HWPX, XLSX, PPTX, EML, MSG, HTML, Markdown, plain text, CSV)',
    );
    expect(rejection({ bytes: text('MZ\x90\x00'), filename: 'setup.exe' }).message).toMatch(
      /^Unsupported file type: \.exe \(supported: PDF, DOCX/,
    );
    expect(rejection({ bytes: text('a'), filename: 'data.xlsx' }).message).toBe(
      'This file is named as an Excel workbook but is not one.',
    );
  });

  it('names the content when a supported extension hides an unsupported file', () => {
    expect(rejection({ bytes: PNG, filename: 'notes.txt' }).message).toMatch(
      /^Unsupported file type: PNG image/,
    );
    const archive = buildZip([{ name: 'a.txt', data: 'hello' }]);
    expect(rejection({ bytes: archive, filename: 'bundle' }).message).toMatch(
      /^Unsupported file type: zip archive/,
    );
    expect(rejection({ bytes: archive, filename: 'bundle.zip' }).message).toMatch(
      /^Unsupported file type: \.zip/,
    );
  });

  it('says a .docx or .pdf that is not one is damaged, and spots password-protected Word files', () => {
    const notWord = buildZip([{ name: 'a.txt', data: 'hello' }]);
    expect(rejection({ bytes: notWord, filename: 'policy.docx' }).message).toBe(
      'This Word document is damaged and cannot be opened.',
    );
    expect(rejection({ bytes: text('hello'), filename: 'policy.pdf' }).message).toBe(
      'This file is named as a PDF but is not a valid PDF document.',
    );
    const ole = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);
    expect(rejection({ bytes: ole, filename: 'secret.docx' }).message).toMatch(/password-protected/);
  });
});
