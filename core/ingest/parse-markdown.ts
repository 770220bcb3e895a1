import type { MarkedToken, Token } from 'marked';
import { Lexer } from 'marked';
import { UnprocessableDocumentError } from '../errors.ts';
import { decodeText } from './decode-text.ts';
import { htmlToDocument } from './html-blocks.ts';
import { decodeHtmlEntities } from './html-entities.ts';
import type { Block, ParsedDocument } from './parsed-document.ts';
import { blockPlainText, normalizeWhitespace } from './parsed-document.ts';

/**
 * marked's block regexes overflow the stack on one huge paragraph (a 10 MB line, or 10 MB of lines
 * with no blank line between them) and go quadratic on lists nested hundreds deep. So the source is
 * handed to marked in batches cut at blank lines, a run of text with no blank line longer than
 * MAX_GROUP_CHARS is read as plain text, and absurd nesting is flattened before lexing.
 */
const BATCH_CHARS = 64 * 1024;
const MAX_GROUP_CHARS = 256 * 1024;
const MAX_QUOTE_DEPTH = 16;
const MAX_INDENT = 64;
const TOO_MANY_QUOTES = new RegExp(`^(?:[ \\t]*>){${MAX_QUOTE_DEPTH + 1},}`);

/** Markdown → headings, paragraphs, lists, tables and code, with the markup stripped from the text. */
export function parseMarkdown(bytes: Uint8Array): ParsedDocument {
  const { body, title } = splitFrontMatter(decodeText(bytes, 'Markdown file'));
  const blocks: Block[] = [];
  for (const part of splitForLexer(body)) {
    if (part.plain) {
      appendPlainText(part.text, blocks);
      continue;
    }
    let tokens: Token[];
    try {
      tokens = new Lexer({ gfm: true }).lex(part.text);
    } catch (error) {
      throw new UnprocessableDocumentError(
        'This Markdown file is too deeply nested or too complex to read.',
        {
          cause: error,
        },
      );
    }
    appendTokens(tokens, blocks);
  }
  const firstH1 = blocks.find((block) => block.kind === 'heading' && block.level === 1);
  return { title: title ?? (firstH1?.kind === 'heading' ? firstH1.text : null), blocks };
}

function appendTokens(tokens: readonly Token[], out: Block[]): void {
  for (const generic of tokens) {
    const token = generic as MarkedToken;
    switch (token.type) {
      case 'heading': {
        const text = inlineText(token.tokens);
        if (text !== '') out.push({ kind: 'heading', level: token.depth, text });
        break;
      }
      case 'paragraph':
      case 'text': {
        const text = token.tokens !== undefined ? inlineText(token.tokens) : plain(token.text);
        if (text !== '') out.push({ kind: 'paragraph', text });
        break;
      }
      case 'list': {
        const items: string[] = [];
        collectItems(token.items, items);
        if (items.length > 0) out.push({ kind: 'list', ordered: token.ordered, items });
        break;
      }
      case 'table':
        out.push({
          kind: 'table',
          headers: token.header.map((cell) => inlineText(cell.tokens)),
          rows: token.rows.map((row) => row.map((cell) => inlineText(cell.tokens))),
        });
        break;
      case 'code':
        if (token.text.trim() !== '') out.push({ kind: 'code', text: token.text });
        break;
      case 'blockquote':
        appendTokens(token.tokens, out);
        break;
      case 'html':
        out.push(...htmlToDocument(token.text).blocks);
        break;
      default:
        // hr, space, link definitions: no text.
        break;
    }
  }
}

/** Nested lists are flattened into the outer list's items, in reading order. */
function collectItems(listItems: readonly { tokens: Token[] }[], items: string[]): void {
  for (const item of listItems) {
    let parts: string[] = [];
    const flush = (): void => {
      const text = normalizeWhitespace(parts.join(' '));
      if (text !== '') items.push(text);
      parts = [];
    };
    for (const generic of item.tokens) {
      const child = generic as MarkedToken;
      if (child.type === 'list') {
        flush();
        collectItems(child.items, items);
      } else if (child.type === 'text' || child.type === 'paragraph') {
        parts.push(child.tokens !== undefined ? inlineText(child.tokens) : plain(child.text));
      } else {
        const nested: Block[] = [];
        appendTokens([child], nested);
        for (const block of nested) parts.push(blockPlainText(block));
      }
    }
    flush();
  }
}

/** The visible text of inline markup: link text kept, URLs and images dropped, code spans kept. */
function inlineText(tokens: readonly Token[]): string {
  const parts: string[] = [];
  const visit = (list: readonly Token[]): void => {
    for (const generic of list) {
      const token = generic as MarkedToken;
      switch (token.type) {
        case 'text':
          if (token.tokens !== undefined) visit(token.tokens);
          else parts.push(decodeHtmlEntities(token.text));
          break;
        case 'escape':
          parts.push(decodeHtmlEntities(token.text));
          break;
        case 'codespan':
          parts.push(token.text);
          break;
        case 'br':
          parts.push(' ');
          break;
        case 'strong':
        case 'em':
        case 'del':
        case 'link':
          visit(token.tokens);
          break;
        default:
          // images, checkboxes and inline HTML tags carry no text of their own.
          break;
      }
    }
  };
  visit(tokens);
  return normalizeWhitespace(parts.join(''));
}

function plain(text: string): string {
  return normalizeWhitespace(decodeHtmlEntities(text));
}

function appendPlainText(text: string, out: Block[]): void {
  const paragraph = normalizeWhitespace(text);
  if (paragraph !== '') out.push({ kind: 'paragraph', text: paragraph });
}

/** YAML front matter is metadata, not text; its `title:` is the document's title. */
function splitFrontMatter(source: string): { body: string; title: string | null } {
  const match = /^---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/.exec(source);
  if (match === null) return { body: source, title: null };
  const titleLine = /^title:[ \t]*(.+)$/m.exec(match[1] ?? '');
  const title =
    titleLine?.[1] !== undefined ? normalizeWhitespace(titleLine[1].replace(/^(['"])(.*)\1$/, '$2')) : '';
  return { body: source.slice(match[0].length), title: title !== '' ? title : null };
}

interface LexerInput {
  readonly text: string;
  readonly plain: boolean;
}

/** Cuts the source at blank lines outside fenced code into batches marked can lex safely. */
function splitForLexer(source: string): LexerInput[] {
  const parts: LexerInput[] = [];
  let batch: string[] = [];
  let batchChars = 0;
  let group: string[] = [];
  let groupChars = 0;
  let closingFence: RegExp | null = null;

  const endBatch = (): void => {
    if (batch.length > 0) parts.push({ text: batch.join('\n'), plain: false });
    batch = [];
    batchChars = 0;
  };
  const endGroup = (): void => {
    if (group.length === 0) return;
    if (groupChars > MAX_GROUP_CHARS) {
      endBatch();
      parts.push({ text: group.join('\n'), plain: true });
    } else {
      batch.push(...group, '');
      batchChars += groupChars + 1;
      if (batchChars >= BATCH_CHARS) endBatch();
    }
    group = [];
    groupChars = 0;
  };

  for (const raw of source.split(/\r\n?|\n/)) {
    let line = raw;
    if (closingFence === null) {
      if (line.trim() === '') {
        endGroup();
        continue;
      }
      line = flattenNesting(line);
      const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence !== undefined) closingFence = new RegExp(`^ {0,3}${fence[0]}{${fence.length},}[ \\t]*$`);
    } else if (closingFence.test(line)) {
      closingFence = null;
    }
    group.push(line);
    groupChars += line.length + 1;
  }
  endGroup();
  endBatch();
  return parts;
}

function flattenNesting(line: string): string {
  let result = line;
  const quotes = TOO_MANY_QUOTES.exec(result);
  if (quotes !== null) result = `${'>'.repeat(MAX_QUOTE_DEPTH)} ${result.slice(quotes[0].length)}`;
  const indent = /^[ \t]*/.exec(result)?.[0].length ?? 0;
  if (indent > MAX_INDENT) result = ' '.repeat(MAX_INDENT) + result.slice(indent);
  return result;
}
