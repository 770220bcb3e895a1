import { decodeText } from './decode-text.ts';
import type { Block, ParsedDocument } from './parsed-document.ts';
import { normalizeWhitespace } from './parsed-document.ts';

/** Plain text: paragraphs are separated by blank lines; line breaks inside a paragraph are just spaces. */
export function parseText(bytes: Uint8Array): ParsedDocument {
  const text = decodeText(bytes, 'text file');
  const blocks: Block[] = [];
  for (const part of text.split(/\r?\n[^\S\r\n]*\r?\n|\r[^\S\r\n]*\r/)) {
    const paragraph = normalizeWhitespace(part);
    if (paragraph !== '') blocks.push({ kind: 'paragraph', text: paragraph });
  }
  return { title: null, blocks };
}
