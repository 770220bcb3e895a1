/**
 * One uploaded file → its index-ready chunks: parse → chunk → the text each chunk is indexed under →
 * its BM25 terms. Pure CPU work with no I/O, so it can run in a worker thread (workers/analysis-pool.ts)
 * as well as in the caller's; both give the same result.
 */
import { UnprocessableDocumentError } from '../errors.ts';
import type { AnalyzedFile, FileAnalyzer, FileToAnalyze } from '../ports.ts';
import { analyzeDocument, textForIndexing } from '../retrieval/analyzer.ts';
import { chunkDocument } from './chunker.ts';
import type { PageRecognizer } from './ocr.ts';
import { parseDocument } from './parse-document.ts';
import type { TokenCounter } from './tokens.ts';

/**
 * Throws UnprocessableDocumentError for every way the file can be unusable (see parseDocument), and
 * when it holds no text to index.
 */
export async function analyzeFile(
  file: FileToAnalyze,
  counter: TokenCounter,
  /** Called when the work moves on to the next stage ('chunking' after the parse). */
  onStage?: (stage: 'chunking') => void,
  parsing: ParsingOptions = {},
): Promise<AnalyzedFile> {
  const parsed = await parseDocument({
    bytes: file.bytes,
    filename: file.filename,
    mimeType: file.mimeType,
    maxBytes: file.maxBytes,
    ocr: parsing.ocr ?? null,
    timeoutMs: parsing.timeoutMs,
  });
  onStage?.('chunking');
  const drafts = chunkDocument(parsed, {
    maxTokens: file.chunkTokens,
    overlapTokens: file.chunkOverlapTokens,
    counter,
    maxChunks: file.maxChunks,
  });
  if (drafts.length === 0) throw new UnprocessableDocumentError('No extractable text found in this file.');
  const ownTitle = documentTitle(parsed.title);
  const title = file.titleFromFilename && ownTitle ? ownTitle : file.title;
  const chunks = drafts.map((draft) => {
    const indexText = textForIndexing({
      title,
      headingPath: draft.headingPath,
      text: draft.text,
    });
    return { ...draft, indexText, lexical: analyzeDocument(indexText) };
  });
  return { chunks, title: ownTitle };
}

/**
 * What tools write into a file's title when nobody set one: a browser's page address when printing
 * ("about:blank", a URL), Word's "Microsoft Word - name.docx", "Untitled"/"제목 없음", a bare file name.
 * The file's own name says more than these.
 */
const PLACEHOLDER_TITLE =
  /^(?:about:blank|(?:https?|file):\/\/\S*|untitled(?:\s*\d*)?|document\s*\d*|제목\s*없음|microsoft (?:word|powerpoint|excel) - .*|\S+\.(?:docx?|pdf|pptx?|xlsx?|hwpx?|html?|txt|md))$/i;

/** A title worth showing: trimmed, one line, at most 200 characters; a blank or placeholder one is none. */
function documentTitle(title: string | null | undefined): string | null {
  const line = (title ?? '').replace(/\s+/g, ' ').trim();
  if (!line || PLACEHOLDER_TITLE.test(line)) return null;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

export interface ParsingOptions {
  /** Reads scanned PDF pages; null or absent: a PDF of scans fails saying how to enable OCR. */
  readonly ocr?: PageRecognizer | null;
  /** How long one PDF may take to read, OCR included. */
  readonly timeoutMs?: number | undefined;
}

/** The analyzer that works in the caller's thread: for tests, tools, and INGEST_THREADS=0. */
export function createInThreadAnalyzer(counter: TokenCounter, parsing: ParsingOptions = {}): FileAnalyzer {
  return {
    async analyze(file, options) {
      options?.signal?.throwIfAborted();
      return analyzeFile(file, counter, options?.onStage, parsing);
    },
    async close() {},
  };
}
