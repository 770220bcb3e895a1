import { UnprocessableDocumentError } from '../errors.ts';

/**
 * Bytes of a text-based upload (plain text, Markdown, HTML, CSV) → string.
 * UTF-8 with or without BOM; UTF-16 when it has a BOM (Windows Notepad's "Unicode");
 * bytes that are not valid UTF-8 are read as Windows-1252, which is what older Excel and
 * Windows tools write. NUL bytes mean the file is binary, whatever its name says.
 */
export function decodeText(bytes: Uint8Array, what = 'file'): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeStrict('utf-16le', bytes.subarray(2), what);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeStrict('utf-16be', bytes.subarray(2), what);

  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  if (body.includes(0)) {
    throw new UnprocessableDocumentError(
      `This ${what} does not look like text: it contains binary data. Upload a PDF, DOCX, HTML, Markdown, plain text or CSV file.`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return new TextDecoder('windows-1252').decode(body);
  }
}

function decodeStrict(encoding: 'utf-16le' | 'utf-16be', bytes: Uint8Array, what: string): string {
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new UnprocessableDocumentError(`This ${what} could not be read: its text encoding is damaged.`, {
      cause: error,
    });
  }
  if (text.includes('\u0000')) {
    throw new UnprocessableDocumentError(`This ${what} does not look like text: it contains binary data.`);
  }
  return text;
}
