import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const SUPPORTED_EXTENSIONS = [
  '.pdf',
  '.docx',
  '.html',
  '.htm',
  '.md',
  '.markdown',
  '.txt',
  '.text',
  '.csv',
  '.tsv',
  '.hwp',
  '.hwpx',
  '.xlsx',
  '.xlsm',
  '.pptx',
  '.eml',
  '.msg',
];

/** Formats people often have that we do not read, with what to do instead. */
const OLD_FORMATS: Readonly<Record<string, string>> = {
  '.doc': 'old Word format: save it as .docx',
  '.xls': 'old Excel format: save it as .xlsx',
  '.ppt': 'old PowerPoint format: save it as .pptx',
};

export interface SkippedFile {
  /** Relative to the folder given. */
  readonly path: string;
  readonly reason: string;
}

export interface FileToIngest {
  readonly path: string;
  /** Identity inside the collection: the path relative to the folder given (or the file name). */
  readonly sourceKey: string;
  readonly size: number;
}

/**
 * Files named explicitly are always ingested (an unsupported one is recorded as failed, with why);
 * inside folders, hidden entries and files of unsupported types are skipped and counted.
 */
export function collectFiles(targets: readonly string[]): { files: FileToIngest[]; skipped: SkippedFile[] } {
  const files: FileToIngest[] = [];
  const skipped: SkippedFile[] = [];
  for (const target of targets) {
    const absolute = path.resolve(target);
    const stat = statSync(absolute, { throwIfNoEntry: false });
    if (!stat) throw new Error(`No such file or folder: ${target}`);
    if (stat.isFile()) {
      files.push({ path: absolute, sourceKey: path.basename(absolute), size: stat.size });
      continue;
    }
    walk(absolute, absolute, files, skipped);
  }
  return { files, skipped };
}

function walk(root: string, dir: string, files: FileToIngest[], skipped: SkippedFile[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(root, full, files, skipped);
    else if (entry.isFile()) {
      const extension = path.extname(entry.name).toLowerCase();
      if (!SUPPORTED_EXTENSIONS.includes(extension)) {
        const reason =
          OLD_FORMATS[extension] ??
          (extension === '' ? 'no file extension' : `unsupported file type ${extension}`);
        skipped.push({ path: path.relative(root, full), reason });
        continue;
      }
      files.push({
        path: full,
        sourceKey: path.relative(root, full).split(path.sep).join('/'),
        size: statSync(full).size,
      });
    }
  }
}

export function mimeTypeOf(file: string): string {
  switch (path.extname(file).toLowerCase()) {
    case '.pdf':
      return 'application/pdf';
    case '.docx':
      return 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    case '.html':
    case '.htm':
      return 'text/html';
    case '.md':
    case '.markdown':
      return 'text/markdown';
    case '.csv':
      return 'text/csv';
    case '.tsv':
      return 'text/tab-separated-values';
    case '.hwp':
      return 'application/x-hwp';
    case '.hwpx':
      return 'application/hwp+zip';
    case '.xlsx':
    case '.xlsm':
      return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    case '.pptx':
      return 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
    case '.eml':
      return 'message/rfc822';
    case '.msg':
      return 'application/vnd.ms-outlook';
    case '.txt':
    case '.text':
      return 'text/plain';
    default:
      return 'application/octet-stream';
  }
}
