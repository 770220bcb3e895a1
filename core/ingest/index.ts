export type { ChunkOptions } from './chunker.ts';
export { chunkDocument, DEFAULT_MAX_TOKENS, DEFAULT_OVERLAP_TOKENS } from './chunker.ts';
export type { DetectedType } from './detect-type.ts';
export { claimedDocumentKind, detectDocumentType, MIME_TYPES, SUPPORTED_TYPES_LABEL } from './detect-type.ts';
export type { ParseDocumentInput, ParsedFile } from './parse-document.ts';
export { DEFAULT_MAX_BYTES, formatSize, parseDocument } from './parse-document.ts';
export type {
  Block,
  CodeBlock,
  DocumentKind,
  HeadingBlock,
  ListBlock,
  ParagraphBlock,
  ParsedDocument,
  TableBlock,
} from './parsed-document.ts';
export { DOCUMENT_KINDS, renderTableRow } from './parsed-document.ts';
export type { TokenCounter } from './tokens.ts';
export { createTokenCounter } from './tokens.ts';
