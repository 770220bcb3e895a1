import { UnprocessableDocumentError } from '../errors.ts';
import { CompoundFileError, readCompoundFile } from './compound-file.ts';
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
  hwp: 'application/x-hwp',
  hwpx: 'application/hwp+zip',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  eml: 'message/rfc822',
  msg: 'application/vnd.ms-outlook',
});

export const SUPPORTED_TYPES_LABEL =
  'PDF, DOCX, HWP, HWPX, XLSX, PPTX, EML, MSG, HTML, Markdown, plain text, CSV';

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
  hwp: 'hwp',
  hwpx: 'hwpx',
  xlsx: 'xlsx',
  xlsm: 'xlsx',
  pptx: 'pptx',
  eml: 'eml',
  msg: 'msg',
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
  [MIME_TYPES.hwp]: 'hwp',
  'application/haansofthwp': 'hwp',
  'application/vnd.hancom.hwp': 'hwp',
  [MIME_TYPES.hwpx]: 'hwpx',
  'application/haansofthwpx': 'hwpx',
  'application/vnd.hancom.hwpx': 'hwpx',
  [MIME_TYPES.xlsx]: 'xlsx',
  [MIME_TYPES.pptx]: 'pptx',
  'message/rfc822': 'eml',
  [MIME_TYPES.msg]: 'msg',
};

/**
 * The kind a file claims by its name or declared type, without reading it: lets a connector skip what can
 * never be indexed (images, videos) before downloading it. Ingestion still decides from the bytes.
 */
export function claimedDocumentKind(input: {
  readonly filename: string;
  readonly mimeType?: string | null | undefined;
}): DocumentKind | null {
  const extension = extensionOf(input.filename);
  return (
    (extension !== null ? EXTENSIONS[extension] : undefined) ??
    MIME_KINDS[baseMimeType(input.mimeType ?? undefined) ?? ''] ??
    null
  );
}

/** The zip formats, told apart by the part only that format has. */
const ZIP_KINDS: readonly { readonly part: string; readonly kind: DocumentKind }[] = [
  { part: 'word/document.xml', kind: 'docx' },
  { part: 'xl/workbook.xml', kind: 'xlsx' },
  { part: 'ppt/presentation.xml', kind: 'pptx' },
  { part: 'Contents/section0.xml', kind: 'hwpx' },
];

/** What each encrypted OOXML file is called: Office wraps it in a compound file, not a zip. */
const OFFICE_LABELS: Partial<Record<DocumentKind, string>> = {
  docx: 'Word document',
  xlsx: 'Excel workbook',
  pptx: 'PowerPoint presentation',
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
/** "HWP Document File V3": HWP 3.0 files are not compound files and have no published format. */
const HWP3_SIGNATURE = [...'HWP Document File V3'].map((char) => char.charCodeAt(0));

/** Kinds whose bytes are a container (zip or compound file): never accepted by name alone. */
const BINARY_KINDS: ReadonlySet<DocumentKind> = new Set(['hwp', 'hwpx', 'xlsx', 'pptx', 'msg']);
const KIND_NAMES: Partial<Record<DocumentKind, string>> = {
  hwp: 'an HWP document',
  hwpx: 'an HWPX document',
  xlsx: 'an Excel workbook',
  pptx: 'a PowerPoint presentation',
  msg: 'an Outlook message',
};

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

  if (startsWith(bytes, OLE_SIGNATURE)) return detectCompoundFile(bytes, claimed, extension, declared);

  if (startsWith(bytes, HWP3_SIGNATURE)) {
    throw new UnprocessableDocumentError(
      'This is an old HWP 3.0 document. Open it in Hancom Office, save it as .hwp (HWP 5) or .hwpx, then upload it again.',
    );
  }

  if (isZip(bytes)) {
    const names = zipNames(bytes);
    const found = ZIP_KINDS.find((candidate) => names.has(candidate.part));
    if (found !== undefined) return detected(found.kind);
    if (claimed === 'docx') {
      throw new UnprocessableDocumentError('This Word document is damaged and cannot be opened.');
    }
    // The parser of the claimed zip format names what is missing; anything else is just a zip.
    if (claimed === 'xlsx' || claimed === 'pptx' || claimed === 'hwpx') return detected(claimed);
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
  if (claimed !== undefined && BINARY_KINDS.has(claimed)) {
    throw new UnprocessableDocumentError(`This file is named as ${KIND_NAMES[claimed]} but is not one.`);
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

function zipNames(bytes: Uint8Array): ReadonlySet<string> {
  try {
    return new Set(readZipDirectory(bytes).map((entry) => entry.name));
  } catch (error) {
    if (error instanceof ZipFormatError) return new Set();
    throw error;
  }
}

/**
 * HWP 5.0 and Outlook .msg are compound files, told apart by their streams. So are encrypted Word, Excel
 * and PowerPoint files (an EncryptedPackage stream) and the old .doc/.xls/.ppt formats, which we refuse.
 */
function detectCompoundFile(
  bytes: Uint8Array,
  claimed: DocumentKind | undefined,
  extension: string | null,
  declared: string | null,
): DetectedType {
  let paths: ReadonlySet<string>;
  try {
    paths = new Set(readCompoundFile(bytes).paths);
  } catch (error) {
    // A damaged container: the parser of the format it claims to be says so in its own words.
    if (!(error instanceof CompoundFileError)) throw error;
    if (claimed === 'hwp' || claimed === 'msg') return detected(claimed);
    // An unreadable container named as an Office file: most often an encrypted one, said as before.
    paths = new Set();
  }
  if (paths.has('FileHeader') && [...paths].some((path) => path.startsWith('BodyText/')))
    return detected('hwp');
  if ([...paths].some((path) => path.startsWith('__substg1.0_'))) return detected('msg');
  const office = claimed !== undefined ? OFFICE_LABELS[claimed] : undefined;
  if (paths.has('EncryptedPackage') && office !== undefined) {
    throw new UnprocessableDocumentError(
      `This ${office} is password-protected. Remove the password and upload it again.`,
    );
  }
  if (office !== undefined) {
    throw new UnprocessableDocumentError(
      `This ${office} is password-protected or saved in the old Office 97-2003 format. Remove the password or save it in the current format (.docx, .xlsx, .pptx), then upload it again.`,
    );
  }
  if (claimed === 'hwp' || claimed === 'msg') return detected(claimed);
  throw unsupported(extension, declared, 'old Microsoft Office format');
}

function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = new TextDecoder().decode(bytes.subarray(0, 512)).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}
