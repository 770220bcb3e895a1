import { UnprocessableDocumentError } from '../errors.ts';
import { detectDocumentType } from './detect-type.ts';
import type { AttachmentParser } from './message-blocks.ts';
import type { PageRecognizer } from './ocr.ts';
import { parseCsv } from './parse-csv.ts';
import { parseDocx } from './parse-docx.ts';
import { parseEml } from './parse-eml.ts';
import { parseHtml } from './parse-html.ts';
import { parseHwp } from './parse-hwp.ts';
import { parseHwpx } from './parse-hwpx.ts';
import { parseMarkdown } from './parse-markdown.ts';
import { parseMsg } from './parse-msg.ts';
import { parsePdf } from './parse-pdf.ts';
import { parsePptx } from './parse-pptx.ts';
import { parseText } from './parse-text.ts';
import { parseXlsx } from './parse-xlsx.ts';
import type { DocumentKind, ParsedDocument } from './parsed-document.ts';
import { hasText } from './parsed-document.ts';

export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

export interface ParseDocumentInput {
  readonly bytes: Uint8Array;
  readonly filename: string;
  /** What the uploader declared; a hint only, the bytes decide. */
  readonly mimeType?: string | undefined;
  /** Larger files are refused before anything is parsed. Default 50 MB. */
  readonly maxBytes?: number | undefined;
  /** Reads PDF pages that have no text layer; null or absent: such pages fail the document, saying how to enable OCR. */
  readonly ocr?: PageRecognizer | null | undefined;
  /** How long a PDF may take to read, OCR included. Default 120 s. */
  readonly timeoutMs?: number | undefined;
  /** 1 inside an e-mail's attachment: attachments of attachments are named, not read. */
  readonly depth?: number | undefined;
}

export interface ParsedFile extends ParsedDocument {
  readonly kind: DocumentKind;
  /** The canonical MIME type of `kind` (see MIME_TYPES), not the declared one. */
  readonly mimeType: string;
}

/**
 * Uploaded bytes → structured text. Every way a file can be unusable (too large, unsupported,
 * encrypted, damaged, empty) is an UnprocessableDocumentError whose message can be shown to the
 * person who uploaded it; nothing else escapes for bad input.
 */
export async function parseDocument(input: ParseDocumentInput): Promise<ParsedFile> {
  const maxBytes = input.maxBytes ?? DEFAULT_MAX_BYTES;
  if (input.bytes.byteLength > maxBytes) {
    throw new UnprocessableDocumentError(
      `File is ${formatSize(input.bytes.byteLength)}; the limit is ${formatSize(maxBytes)}.`,
    );
  }
  if (input.bytes.byteLength === 0) {
    throw new UnprocessableDocumentError('No extractable text found: the file is empty.');
  }

  const { kind, mimeType } = detectDocumentType(input);
  let parsed: ParsedDocument;
  try {
    parsed = await parseAs(kind, input);
  } catch (error) {
    if (error instanceof UnprocessableDocumentError) throw error;
    // A library failing on input it should have handled: still the document's fault, say so plainly.
    throw new UnprocessableDocumentError(`This ${LABELS[kind]} could not be read.`, { cause: error });
  }

  if (!hasText(parsed.blocks)) {
    throw new UnprocessableDocumentError(
      kind === 'pdf'
        ? 'No extractable text found in this PDF. It may be a scanned image: run it through text recognition (OCR) and upload the result.'
        : `No extractable text found in this ${LABELS[kind]}.`,
    );
  }
  return { ...parsed, kind, mimeType };
}

const LABELS: Readonly<Record<DocumentKind, string>> = {
  pdf: 'PDF',
  docx: 'Word document',
  html: 'HTML page',
  markdown: 'Markdown file',
  text: 'text file',
  csv: 'CSV file',
  hwp: 'HWP document',
  hwpx: 'HWPX document',
  xlsx: 'Excel workbook',
  pptx: 'PowerPoint presentation',
  eml: 'e-mail',
  msg: 'Outlook message',
};

function parseAs(kind: DocumentKind, input: ParseDocumentInput): ParsedDocument | Promise<ParsedDocument> {
  const { bytes } = input;
  const depth = input.depth ?? 0;
  // An attachment is parsed as a document of its own, within what is left of the parent's size limit.
  const parseAttachment: AttachmentParser | null =
    depth >= 1
      ? null
      : (attachment) =>
          parseDocument({
            bytes: attachment.bytes,
            filename: attachment.filename,
            mimeType: attachment.mimeType,
            maxBytes: input.maxBytes,
            ocr: input.ocr,
            timeoutMs: input.timeoutMs,
            depth: depth + 1,
          });
  switch (kind) {
    case 'pdf':
      return parsePdf(bytes, {
        ocr: input.ocr ?? null,
        ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
      });
    case 'docx':
      return parseDocx(bytes);
    case 'html':
      return parseHtml(bytes);
    case 'markdown':
      return parseMarkdown(bytes);
    case 'text':
      return parseText(bytes);
    case 'csv':
      return parseCsv(bytes);
    case 'hwp':
      return parseHwp(bytes);
    case 'hwpx':
      return parseHwpx(bytes);
    case 'xlsx':
      return parseXlsx(bytes);
    case 'pptx':
      return parsePptx(bytes);
    case 'eml':
      return parseEml(bytes, parseAttachment);
    case 'msg':
      return parseMsg(bytes, parseAttachment);
  }
}

/** "61.2 MB", "50 MB", "900 KB": one decimal at most, binary units as file managers show them. */
export function formatSize(bytes: number): string {
  const units = [
    ['MB', 1024 * 1024],
    ['KB', 1024],
  ] as const;
  for (const [unit, size] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}
