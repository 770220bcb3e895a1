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
 * PDF → one run of paragraphs per page, each carrying its page number. PDFs have no reliable
 * headings, so none are invented; paragraphs are recovered from the vertical gaps between lines.
 */
export async function parsePdf(bytes: Uint8Array, options: PdfOptions = {}): Promise<ParsedDocument> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js may transfer (detach) the buffer it is given; the caller keeps its bytes.
    pdf = await getDocumentProxy(bytes.slice(), {
      verbosity: 0,
      isEvalSupported: false,
      stopAtErrors: false,
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
    current.text += item.str;
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
