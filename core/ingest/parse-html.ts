import { decodeText } from './decode-text.ts';
import { htmlToDocument } from './html-blocks.ts';
import type { ParsedDocument } from './parsed-document.ts';

/**
 * HTML page → headings, paragraphs, lists and tables. Scripts, styles, navigation, iframes and
 * templates are dropped; the title comes from <title>, else the first <h1>.
 */
export function parseHtml(bytes: Uint8Array): ParsedDocument {
  return htmlToDocument(decodeText(bytes, 'HTML file', { html: true }));
}
