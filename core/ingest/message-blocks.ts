import { UnprocessableDocumentError } from '../errors.ts';
import type { Block, ParsedDocument } from './parsed-document.ts';
import { normalizeWhitespace } from './parsed-document.ts';

/**
 * What EML and MSG share: a message becomes the heading path [subject, "sender, date"] over its body, and
 * each attachment of a supported type follows under "Attachment: name", its own headings shifted below,
 * so a citation of a fact in an attached PDF names the e-mail, the attachment and the page.
 */

/** Attachments read per message; the rest are named in one line. A mail with 500 attachments is cut here. */
export const MAX_ATTACHMENTS = 20;

export interface MessageAttachment {
  readonly filename: string;
  readonly mimeType: string | undefined;
  readonly bytes: Uint8Array;
}

/** Parses one attachment as a document of its own; throws UnprocessableDocumentError when it cannot. */
export type AttachmentParser = (attachment: MessageAttachment) => Promise<ParsedDocument>;

export interface Message {
  readonly subject: string;
  readonly from: string;
  /** ISO 8601 where the message gives a date. */
  readonly date: string | null;
  readonly body: readonly Block[];
  readonly attachments: readonly MessageAttachment[];
}

export async function messageDocument(
  message: Message,
  parseAttachment: AttachmentParser | null,
): Promise<ParsedDocument> {
  const subject = normalizeWhitespace(message.subject) || '(no subject)';
  const byline = [normalizeWhitespace(message.from), message.date ?? '']
    .filter((part) => part !== '')
    .join(', ');
  const blocks: Block[] = [{ kind: 'heading', level: 1, text: subject }];
  if (byline !== '') blocks.push({ kind: 'heading', level: 2, text: byline });
  blocks.push(...message.body);

  const notes: string[] = [];
  const attachments = message.attachments;
  for (const attachment of attachments.slice(0, MAX_ATTACHMENTS)) {
    if (parseAttachment === null) {
      notes.push(`${attachment.filename}: attachments inside attachments are not read`);
      continue;
    }
    try {
      const parsed = await parseAttachment(attachment);
      blocks.push({ kind: 'heading', level: 3, text: `Attachment: ${attachment.filename}` });
      blocks.push(
        ...parsed.blocks.map((block) =>
          block.kind === 'heading' ? { ...block, level: Math.min(6, block.level + 3) } : block,
        ),
      );
    } catch (error) {
      const reason =
        error instanceof UnprocessableDocumentError
          ? error.message.replace(/\.$/, '')
          : 'it could not be read';
      notes.push(`${attachment.filename}: ${reason}`);
    }
  }
  if (attachments.length > MAX_ATTACHMENTS) {
    notes.push(
      `${attachments.length - MAX_ATTACHMENTS} more attachments (only the first ${MAX_ATTACHMENTS} are read)`,
    );
  }
  if (notes.length > 0) {
    blocks.push(
      { kind: 'heading', level: 3, text: 'Attachments not read' },
      { kind: 'list', ordered: false, items: notes },
    );
  }
  return { title: subject, blocks };
}

/** Plain-text bodies: paragraphs at blank lines, quoted replies ("> …") kept as text. */
export function textBody(text: string): Block[] {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((paragraph) => normalizeWhitespace(paragraph))
    .filter((paragraph) => paragraph !== '')
    .map((paragraph) => ({ kind: 'paragraph', text: paragraph }));
}
