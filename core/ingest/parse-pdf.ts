import { createRequire } from 'node:module';
import path from 'node:path';
import { constants, inflateSync } from 'node:zlib';
import { extractImages, getDocumentProxy } from 'unpdf';
import { UnprocessableDocumentError } from '../errors.ts';
import type { PageRecognizer } from './ocr.ts';
import { OCR_UNAVAILABLE } from './ocr.ts';
import type { Block, ParsedDocument } from './parsed-document.ts';
import { normalizeWhitespace } from './parsed-document.ts';

export interface PdfOptions {
  /** Checked between pages: a PDF that takes longer is refused rather than holding a worker forever. */
  readonly timeoutMs?: number;
  /** Reads pages with no text layer (scans). Without it, a PDF of scans only fails with how to enable OCR. */
  readonly ocr?: PageRecognizer | null;
  /** The most one compressed stream may expand to (default MAX_PDF_STREAM_BYTES). */
  readonly maxStreamBytes?: number;
}

/**
 * The most one Flate stream may expand to. A page scanned at 600 dpi in colour is ~100 MB; a 3.6 MB
 * PDF whose streams expanded to gigabytes held 5.1 GB in pdf.js's buffers, outside the JS heap limit.
 */
export const MAX_PDF_STREAM_BYTES = 256 * 1024 * 1024;

const STREAM = Buffer.from('stream');
const END_STREAM = Buffer.from('endstream');

/**
 * Inflates each Flate stream under a cap before pdf.js sees the file, one at a time, keeping nothing.
 * Streams that are not plain Flate data (encrypted, other filters, damaged) are left to pdf.js.
 */
function checkFlateStreams(bytes: Uint8Array, maxStreamBytes: number): void {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = buffer.indexOf(STREAM); at >= 0; at = buffer.indexOf(STREAM, at + STREAM.length)) {
    if (buffer[at - 3] === 0x65 && buffer[at - 2] === 0x6e && buffer[at - 1] === 0x64) continue; // "endstream"
    let start = at + STREAM.length;
    if (buffer[start] === 0x0d) start += 1;
    if (buffer[start] !== 0x0a) continue;
    start += 1;
    const dictionary = buffer.toString('latin1', Math.max(0, at - 512), at);
    const objectStart = dictionary.lastIndexOf('obj');
    if (!/\/(FlateDecode|Fl)\b/.test(objectStart >= 0 ? dictionary.slice(objectStart) : dictionary)) continue;
    const end = buffer.indexOf(END_STREAM, start);
    if (end < 0) return;
    try {
      inflateSync(buffer.subarray(start, end), {
        maxOutputLength: maxStreamBytes,
        finishFlush: constants.Z_SYNC_FLUSH,
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new UnprocessableDocumentError(
          `This PDF expands to more than ${maxStreamBytes / 1024 / 1024} MB in one part when opened, which is more than we can process. Split it or print it to a new PDF.`,
        );
      }
    }
    at = end;
  }
}

/** Images smaller than this (logos, stamps, rules) are not worth recognising. */
const MIN_OCR_PIXELS = 200 * 100;

interface PdfTextItem {
  readonly str: string;
  readonly transform: readonly number[];
  readonly height: number;
  readonly hasEOL: boolean;
}

interface Line {
  text: string;
  y: number;
  size: number;
}

/**
 * pdf.js's character maps: Korean, Japanese and Chinese PDFs that use a CJK font without embedding it
 * (Hangul Word Processor's and older Office exports: /Encoding /UniKS-UCS2-H on Adobe-Korea1) yield no text
 * at all without them. unpdf bundles pdf.js without its CMaps; pdfjs-dist, pinned to the same pdf.js
 * version, ships them.
 */
const CMAP_DIRECTORY = `${path.join(path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'cmaps')}${path.sep}`;

/**
 * PDF → one run of paragraphs per page, each carrying its page number. PDFs have no reliable
 * headings, so none are invented; paragraphs are recovered from the vertical gaps between lines.
 */
export async function parsePdf(bytes: Uint8Array, options: PdfOptions = {}): Promise<ParsedDocument> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  checkFlateStreams(bytes, options.maxStreamBytes ?? MAX_PDF_STREAM_BYTES);
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js may transfer (detach) the buffer it is given, and refuses a Buffer: give it its own copy.
    pdf = await getDocumentProxy(new Uint8Array(bytes), {
      verbosity: 0,
      isEvalSupported: false,
      stopAtErrors: false,
      cMapUrl: CMAP_DIRECTORY,
      cMapPacked: true,
    });
  } catch (error) {
    throw translatePdfError(error);
  }

  try {
    const blocks: Block[] = [];
    let scannedPages = 0;
    for (let pageNumber = 1; pageNumber <= pdf.numPages; pageNumber++) {
      if (Date.now() > deadline) {
        throw new UnprocessableDocumentError(
          `This PDF took too long to read (stopped at page ${pageNumber} of ${pdf.numPages}). Try splitting it into smaller files.`,
        );
      }
      const page = await pdf.getPage(pageNumber);
      const content = await page.getTextContent();
      const paragraphs = pageParagraphs(content.items as readonly PdfTextItem[]);
      page.cleanup();
      if (paragraphs.length === 0) {
        const images = (await extractImages(pdf, pageNumber)).filter(
          (image) => image.width * image.height >= MIN_OCR_PIXELS,
        );
        if (images.length > 0) scannedPages++;
        if (images.length > 0 && options.ocr) {
          for (const image of images)
            paragraphs.push(...(await recognizePage(options.ocr, image, pageNumber, deadline)));
        }
      }
      for (const text of paragraphs) blocks.push({ kind: 'paragraph', text, page: pageNumber });
    }
    if (blocks.length === 0 && scannedPages > 0 && !options.ocr)
      throw new UnprocessableDocumentError(OCR_UNAVAILABLE);
    return { title: await readTitle(pdf), blocks };
  } catch (error) {
    throw translatePdfError(error);
  } finally {
    await pdf.destroy();
  }
}

/** One scanned image → paragraphs, stopped at the parse deadline like any other page. */
async function recognizePage(
  ocr: PageRecognizer,
  image: Parameters<PageRecognizer['recognize']>[0],
  pageNumber: number,
  deadline: number,
): Promise<string[]> {
  let text: string;
  try {
    text = await ocr.recognize(image, { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) });
  } catch (error) {
    throw new UnprocessableDocumentError(
      Date.now() >= deadline
        ? `This PDF took too long to read: text recognition (OCR) stopped at page ${pageNumber}. Try splitting it into smaller files.`
        : `Text recognition (OCR) could not read page ${pageNumber} of this PDF.`,
      { cause: error },
    );
  }
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => normalizeWhitespace(paragraph))
    .filter((paragraph) => paragraph !== '');
}

async function readTitle(pdf: Awaited<ReturnType<typeof getDocumentProxy>>): Promise<string | null> {
  try {
    const { info } = (await pdf.getMetadata()) as { info?: { Title?: unknown } };
    const title = typeof info?.Title === 'string' ? normalizeWhitespace(info.Title) : '';
    return title !== '' ? title : null;
  } catch {
    return null;
  }
}

/**
 * Lines come from pdf.js's end-of-line marks; a paragraph ends where the gap to the next line is
 * clearly larger than the usual line spacing on the page, or where the text moves up (a new column).
 */
function pageParagraphs(items: readonly PdfTextItem[]): string[] {
  const lines: Line[] = [];
  let current: Line | null = null;
  for (const item of items) {
    if (typeof item.str !== 'string') continue;
    const y = item.transform[5] ?? 0;
    const size = Math.max(item.height, Math.hypot(item.transform[2] ?? 0, item.transform[3] ?? 0), 1);
    if (current === null) current = { text: '', y, size };
    // A glyph missing from the font's ToUnicode map comes out as its raw code: Chromium's "Save as PDF"
    // in a Korean font gives \u0001 for every space. Control characters are never text: read them as spaces.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes.
    current.text += item.str.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ');
    if (item.str.trim() !== '') current.size = Math.max(current.size, size);
    if (item.hasEOL) {
      lines.push(current);
      current = null;
    }
  }
  if (current !== null) lines.push(current);

  const gaps: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const gap = (lines[i - 1]?.y ?? 0) - (lines[i]?.y ?? 0);
    if (gap > 0) gaps.push(gap);
  }
  gaps.sort((a, b) => a - b);
  // The lower quartile, not the median: with few lines, paragraph gaps would otherwise set the norm.
  const usualGap = gaps[Math.floor((gaps.length - 1) / 4)] ?? 0;

  const paragraphs: string[] = [];
  let paragraph = '';
  let previous: Line | null = null;
  const endParagraph = (): void => {
    const text = normalizeWhitespace(paragraph);
    if (text !== '') paragraphs.push(text);
    paragraph = '';
  };
  for (const line of lines) {
    const text = line.text.trim();
    if (text === '') {
      endParagraph();
      previous = null;
      continue;
    }
    if (previous !== null) {
      const gap = previous.y - line.y;
      const breaks = gap <= 0 || gap > Math.max(usualGap * 1.4, previous.size * 1.9);
      if (breaks) endParagraph();
    }
    // Re-join words hyphenated across a line break ("docu-" + "ment").
    if (/\p{L}-$/u.test(paragraph) && /^\p{Ll}/u.test(text)) paragraph = paragraph.slice(0, -1) + text;
    else paragraph = paragraph === '' ? text : `${paragraph} ${text}`;
    previous = line;
  }
  endParagraph();
  return paragraphs;
}

function translatePdfError(error: unknown): UnprocessableDocumentError {
  if (error instanceof UnprocessableDocumentError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException') {
    return new UnprocessableDocumentError(
      'This PDF is password-protected. Remove the password (for example, print it to a new PDF) and upload it again.',
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message.trim().replace(/\.$/, '') : '';
  const reason = message !== '' ? ` (${message})` : '';
  return new UnprocessableDocumentError(`This PDF is damaged and cannot be read${reason}.`, { cause: error });
}
