import { UnprocessableDocumentError } from '../errors.ts';
import type { DocumentKind } from './parsed-document.ts';
import { isZip, readZipDirectory, ZipFormatError } from './zip-directory.ts';

/** The MIME type stored with a document of each kind, whatever the uploader declared. */
export const MIME_TYPES: Readonly<Record<DocumentKind, string>> = Object.freeze({
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
  csv: 'text/csv',
});

export const SUPPORTED_TYPES_LABEL = 'PDF, DOCX, HTML, Markdown, plain text, CSV';

const EXTENSIONS: Readonly<Record<string, DocumentKind>> = {
  pdf: 'pdf',
  docx: 'docx',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  md: 'markdown',
  markdown: 'markdown',
  mdown: 'markdown',
  mkd: 'markdown',
  txt: 'text',
  text: 'text',
  csv: 'csv',
  tsv: 'csv',
};

const MIME_KINDS: Readonly<Record<string, DocumentKind>> = {
  'application/pdf': 'pdf',
  'application/x-pdf': 'pdf',
  [MIME_TYPES.docx]: 'docx',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/tab-separated-values': 'csv',
};

/** Formats recognised by their first bytes, so a renamed image or program is refused by name. */
const BINARY_SIGNATURES: readonly { readonly label: string; readonly bytes: readonly number[] }[] = [
  { label: 'PNG image', bytes: [0x89, 0x50, 0x4e, 0x47] },
  { label: 'JPEG image', bytes: [0xff, 0xd8, 0xff] },
  { label: 'GIF image', bytes: [0x47, 0x49, 0x46, 0x38] },
  { label: 'program', bytes: [0x4d, 0x5a] },
  { label: 'program', bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { label: 'gzip archive', bytes: [0x1f, 0x8b] },
  { label: '7-Zip archive', bytes: [0x37, 0x7a, 0xbc, 0xaf] },
  { label: 'RAR archive', bytes: [0x52, 0x61, 0x72, 0x21] },
];

const OLE_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

export interface DetectedType {
  readonly kind: DocumentKind;
  readonly mimeType: string;
}

/**
 * Decides what a file is from its content first (PDF and DOCX signatures, known binary formats),
 * then its extension, then the declared MIME type. The declared type is a hint from the uploader's
 * browser or client and is never trusted over the bytes.
 */
export function detectDocumentType(input: {
  readonly bytes: Uint8Array;
  readonly filename: string;
  readonly mimeType?: string | undefined;
}): DetectedType {
  const { bytes } = input;
  const extension = extensionOf(input.filename);
  const declared = baseMimeType(input.mimeType);
  const claimed = (extension !== null ? EXTENSIONS[extension] : undefined) ?? MIME_KINDS[declared ?? ''];

  if (startsWithPdfSignature(bytes)) return detected('pdf');

  if (startsWith(bytes, OLE_SIGNATURE)) {
    if (claimed === 'docx') {
      throw new UnprocessableDocumentError(
        'This Word document is password-protected (or saved in the old .doc format). Remove the password or save it as .docx, then upload it again.',
      );
    }
    throw unsupported(extension, declared, 'old Microsoft Office format');
  }

  if (isZip(bytes)) {
    if (zipContains(bytes, 'word/document.xml')) return detected('docx');
    if (claimed === 'docx') {
      throw new UnprocessableDocumentError('This Word document is damaged and cannot be opened.');
    }
    throw unsupported(extension, declared, 'zip archive');
  }

  const signature = BINARY_SIGNATURES.find((candidate) => startsWith(bytes, candidate.bytes));
  if (signature !== undefined) throw unsupported(extension, declared, signature.label);

  if (claimed === 'pdf') {
    throw new UnprocessableDocumentError('This file is named as a PDF but is not a valid PDF document.');
  }
  if (claimed === 'docx') {
    throw new UnprocessableDocumentError('This Word document is damaged and cannot be opened.');
  }
  if (claimed !== undefined) return detected(claimed);

  // No usable name or type: accept text content without an extension (README, LICENSE), refuse the rest.
  if (extension === null && (declared === null || declared.startsWith('text/'))) {
    return looksLikeHtml(bytes) ? detected('html') : detected('text');
  }
  throw unsupported(extension, declared);
}

function detected(kind: DocumentKind): DetectedType {
  return { kind, mimeType: MIME_TYPES[kind] };
}

/**
 * Names the file by its extension when that is what is unsupported ("Unsupported file type: .png"),
 * and by its content when the name claims a supported type the bytes do not have.
 */
function unsupported(
  extension: string | null,
  declared: string | null,
  content?: string,
): UnprocessableDocumentError {
  const namedUnsupported = extension !== null && EXTENSIONS[extension] === undefined;
  const label = namedUnsupported
    ? `.${extension}`
    : (content ?? (extension !== null ? `.${extension}` : (declared ?? 'unknown')));
  return new UnprocessableDocumentError(
    `Unsupported file type: ${label} (supported: ${SUPPORTED_TYPES_LABEL})`,
  );
}

function extensionOf(filename: string): string | null {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return null;
  return base.slice(dot + 1).toLowerCase();
}

function baseMimeType(mimeType: string | undefined): string | null {
  const base = mimeType?.split(';')[0]?.trim().toLowerCase();
  // application/octet-stream is what clients send when they do not know: it says nothing.
  return base === undefined || base === '' || base === 'application/octet-stream' ? null : base;
}

/** PDF readers accept the header anywhere in the first kilobyte; so do we. */
function startsWithPdfSignature(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 1024);
  for (let at = head.indexOf(0x25); at !== -1 && at + 4 < head.length; at = head.indexOf(0x25, at + 1)) {
    if (head[at + 1] === 0x50 && head[at + 2] === 0x44 && head[at + 3] === 0x46 && head[at + 4] === 0x2d) {
      return true;
    }
  }
  return false;
}

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  return signature.every((byte, i) => bytes[i] === byte);
}

function zipContains(bytes: Uint8Array, name: string): boolean {
  try {
    return readZipDirectory(bytes).some((entry) => entry.name === name);
  } catch (error) {
    if (error instanceof ZipFormatError) return false;
    throw error;
  }
}

function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 512)).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}
