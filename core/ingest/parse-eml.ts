import PostalMime from 'postal-mime';
import { UnprocessableDocumentError } from '../errors.ts';
import { htmlToDocument } from './html-blocks.ts';
import type { AttachmentParser } from './message-blocks.ts';
import { messageDocument, textBody } from './message-blocks.ts';
import type { ParsedDocument } from './parsed-document.ts';

/**
 * EML (RFC 822 / MIME, as saved by Outlook, Thunderbird and mail servers) → subject and sender/date as the
 * heading path, the body (plain text, or the HTML part when there is none), then the attachments. postal-mime
 * does the MIME work (encodings, charsets such as EUC-KR, nested parts) that hand-written code gets wrong.
 */
export async function parseEml(
  bytes: Uint8Array,
  parseAttachment: AttachmentParser | null,
): Promise<ParsedDocument> {
  let email: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    email = await PostalMime.parse(bytes, { maxNestingDepth: 32, attachmentEncoding: 'arraybuffer' });
  } catch (error) {
    throw new UnprocessableDocumentError('This e-mail could not be read: its MIME structure is damaged.', {
      cause: error,
    });
  }
  if (email.headers.length === 0) {
    throw new UnprocessableDocumentError('This file is named as an e-mail (.eml) but has no e-mail headers.');
  }
  const from =
    email.from !== undefined && 'address' in email.from
      ? formatAddress(email.from.name, email.from.address)
      : '';
  const body =
    email.text !== undefined && email.text.trim() !== ''
      ? textBody(email.text)
      : email.html !== undefined
        ? htmlToDocument(email.html).blocks
        : [];
  const date =
    email.date !== undefined && !Number.isNaN(Date.parse(email.date))
      ? new Date(email.date).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
      : null;
  return messageDocument(
    {
      subject: email.subject ?? '',
      from,
      date,
      body,
      attachments: email.attachments
        .filter((attachment) => !attachment.related)
        .map((attachment, i) => ({
          filename: attachment.filename ?? `attachment-${i + 1}`,
          mimeType: attachment.mimeType,
          bytes:
            typeof attachment.content === 'string'
              ? new TextEncoder().encode(attachment.content)
              : new Uint8Array(attachment.content),
        })),
    },
    parseAttachment,
  );
}

export function formatAddress(name: string | undefined, address: string | undefined): string {
  if (name !== undefined && name !== '' && address !== undefined && address !== '')
    return `${name} <${address}>`;
  return name || address || '';
}
