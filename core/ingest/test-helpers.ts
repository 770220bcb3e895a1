/** Shared by the ingestion tests. */
import iconv from 'iconv-lite';
import { expect } from 'vitest';
import { UnprocessableDocumentError } from '../errors.ts';

export const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value);

/** Runs `action` and returns the UnprocessableDocumentError it must throw; any other outcome fails. */
export async function unprocessable(action: () => unknown): Promise<UnprocessableDocumentError> {
  let thrown: unknown;
  try {
    await action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(UnprocessableDocumentError);
  return thrown as UnprocessableDocumentError;
}

/** `text` as a legacy Windows encoding writes it (cp949 is Korean Windows' EUC-KR superset). */
export function encodeLegacy(text: string, encoding: 'cp949' | 'shift_jis' | 'gb18030'): Uint8Array {
  return new Uint8Array(iconv.encode(text, encoding));
}

/**
 * A one-page PDF whose text is set in a CJK font that is not embedded (/Encoding /UniKS-UCS2-H on
 * Adobe-Korea1, as Hangul Word Processor writes them): its text can be read only through pdf.js's CMaps.
 * `text` must be in the Basic Multilingual Plane.
 */
export function buildCjkCmapPdf(text: string): Uint8Array {
  let hex = '';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).padStart(4, '0');
  const stream = `BT /F1 24 Tf 72 700 Td <${hex}> Tj ET`;
  const font = 'HYGoThic-Medium';
  const objects = [
    '<</Type/Catalog/Pages 2 0 R>>',
    '<</Type/Pages/Kids[3 0 R]/Count 1>>',
    '<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 4 0 R>>>>/Contents 6 0 R>>',
    `<</Type/Font/Subtype/Type0/BaseFont/${font}/Encoding/UniKS-UCS2-H/DescendantFonts[5 0 R]>>`,
    `<</Type/Font/Subtype/CIDFontType0/BaseFont/${font}/CIDSystemInfo<</Registry(Adobe)/Ordering(Korea1)/Supplement 1>>/FontDescriptor 7 0 R>>`,
    `<</Length ${stream.length}>>\nstream\n${stream}\nendstream`,
    `<</Type/FontDescriptor/FontName/${font}/Flags 6/FontBBox[0 -148 1000 880]/ItalicAngle 0/Ascent 880/Descent -120/CapHeight 880/StemV 93>>`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  const entries = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${entries}`;
  body += `trailer\n<</Size ${objects.length + 1}/Root 1 0 R>>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(body);
}
