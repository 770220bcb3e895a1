import mammoth from 'mammoth';
import { UnprocessableDocumentError } from '../errors.ts';
import { htmlToDocument } from './html-blocks.ts';
import { decodeHtmlEntities } from './html-entities.ts';
import type { ParsedDocument } from './parsed-document.ts';
import { normalizeWhitespace } from './parsed-document.ts';
import type { ZipEntry } from './zip-directory.ts';
import { inflateEntry, readZipWithinLimits, ZipFormatError, ZipTooLargeError } from './zip-directory.ts';

/**
 * All parts together (XML, and media too: mammoth finds its parts through relationships, so any name
 * may hold the main document) may expand to at most this much. A 1,000-page text-only document is
 * ~30 MB of XML; anything far beyond is a zip bomb.
 */
const MAX_XML_BYTES = 160 * 1024 * 1024;

const DAMAGED = 'This Word document is damaged and cannot be opened.';

/**
 * Word's Title style names the document rather than opening a section: it becomes the HTML <title>
 * (the document's title, kept out of every heading path). Subtitle is an ordinary paragraph.
 */
const STYLE_MAP = ["p[style-name='Title'] => title:fresh", "p[style-name='Subtitle'] => p:fresh"];

/** DOCX → headings (from Word's heading styles), paragraphs, lists and tables, via mammoth's HTML. */
export async function parseDocx(bytes: Uint8Array): Promise<ParsedDocument> {
  const entries = checkZip(bytes);

  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      {
        styleMap: STYLE_MAP,
        ignoreEmptyParagraphs: true,
        convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })),
      },
    );
    html = result.value;
  } catch (error) {
    throw new UnprocessableDocumentError(DAMAGED, { cause: error });
  }

  const document = htmlToDocument(html);
  return { title: document.title ?? readCoreTitle(bytes, entries), blocks: document.blocks };
}

/** Validates the container before mammoth sees it: a readable zip, not encrypted, not a bomb. */
function checkZip(bytes: Uint8Array): ZipEntry[] {
  let entries: ZipEntry[];
  try {
    entries = readZipWithinLimits(bytes, { maxTotalBytes: MAX_XML_BYTES });
  } catch (error) {
    if (error instanceof ZipTooLargeError) throw tooLarge(error);
    throw new UnprocessableDocumentError(DAMAGED, { cause: error });
  }
  if (!entries.some((entry) => entry.name === 'word/document.xml')) {
    throw new UnprocessableDocumentError(DAMAGED);
  }
  if (entries.some((entry) => entry.encrypted)) {
    throw new UnprocessableDocumentError(
      'This Word document is password-protected. Remove the password and upload it again.',
    );
  }

  return entries;
}

function tooLarge(cause: ZipTooLargeError): UnprocessableDocumentError {
  return new UnprocessableDocumentError(
    `This Word document expands to more than ${MAX_XML_BYTES / 1024 / 1024} MB of text when opened, which is more than we can process. Split it into smaller documents.`,
    { cause },
  );
}

/** The title set in File → Properties, used when the document has no Title or Heading 1 paragraph. */
function readCoreTitle(bytes: Uint8Array, entries: readonly ZipEntry[]): string | null {
  const core = entries.find((entry) => entry.name === 'docProps/core.xml');
  if (core === undefined) return null;
  try {
    const xml = new TextDecoder().decode(inflateEntry(bytes, core, 1024 * 1024));
    const match = /<dc:title>([^<]*)<\/dc:title>/.exec(xml);
    const title = normalizeWhitespace(decodeHtmlEntities(match?.[1] ?? ''));
    return title !== '' ? title : null;
  } catch {
    return null;
  }
}
