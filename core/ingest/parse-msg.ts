import msgreaderModule from '@kenjiuno/msgreader';
import { UnprocessableDocumentError } from '../errors.ts';
import { CompoundFileError, readCompoundFile } from './compound-file.ts';
import { htmlToDocument } from './html-blocks.ts';
import type { AttachmentParser, MessageAttachment } from './message-blocks.ts';
import { MAX_ATTACHMENTS, messageDocument, textBody } from './message-blocks.ts';
import { formatAddress } from './parse-eml.ts';
import type { ParsedDocument } from './parsed-document.ts';

// CommonJS marked __esModule: Node's default import is the module object, whose `default` is the class
// (bundlers such as Vitest's hand over the class itself).
type MsgReaderClass = typeof msgreaderModule.default;
const MsgReader: MsgReaderClass =
  (msgreaderModule as { default?: MsgReaderClass }).default ?? (msgreaderModule as unknown as MsgReaderClass);
type MsgReader = InstanceType<MsgReaderClass>;

const DAMAGED = 'This Outlook message (.msg) is damaged and cannot be opened.';

/**
 * Outlook .msg (a compound file of MAPI properties) → the same shape as an EML. The container is first
 * walked by our own guarded reader (compound-file.ts), which refuses sector-chain cycles and out-of-range
 * sectors; only then does msgreader, which knows the MAPI property streams, read it.
 */
export async function parseMsg(
  bytes: Uint8Array,
  parseAttachment: AttachmentParser | null,
): Promise<ParsedDocument> {
  try {
    const file = readCompoundFile(bytes);
    if (!file.paths.some((path) => path.startsWith('__substg1.0_')))
      throw new CompoundFileError('no message properties');
    for (const path of file.paths) file.read(path);
  } catch (error) {
    throw new UnprocessableDocumentError(DAMAGED, { cause: error });
  }

  let reader: MsgReader;
  let data: ReturnType<MsgReader['getFileData']>;
  try {
    reader = new MsgReader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    data = reader.getFileData();
  } catch (error) {
    throw new UnprocessableDocumentError(DAMAGED, { cause: error });
  }
  if (data.error !== undefined) throw new UnprocessableDocumentError(DAMAGED);

  const attachments: MessageAttachment[] = [];
  const listed = data.attachments ?? [];
  for (const [i, attachment] of listed.entries()) {
    // Only as many as will be read are decoded; the rest are counted by name.
    if (i >= MAX_ATTACHMENTS || attachment.innerMsgContent === true) {
      attachments.push({
        filename: attachment.fileName ?? `attachment-${i + 1}`,
        mimeType: undefined,
        bytes: new Uint8Array(0),
      });
      continue;
    }
    try {
      const content = reader.getAttachment(attachment);
      attachments.push({
        filename: content.fileName || `attachment-${i + 1}`,
        mimeType: attachment.attachMimeTag,
        bytes: content.content,
      });
    } catch {
      attachments.push({
        filename: attachment.fileName ?? `attachment-${i + 1}`,
        mimeType: undefined,
        bytes: new Uint8Array(0),
      });
    }
  }

  const body =
    data.body !== undefined && data.body.trim() !== ''
      ? textBody(data.body)
      : data.bodyHtml !== undefined
        ? htmlToDocument(data.bodyHtml).blocks
        : [];
  const when = data.clientSubmitTime ?? data.messageDeliveryTime ?? data.creationTime;
  const date =
    when !== undefined && !Number.isNaN(Date.parse(when))
      ? new Date(when).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
      : null;
  return messageDocument(
    {
      subject: data.subject ?? '',
      from: formatAddress(data.senderName, data.senderSmtpAddress ?? data.senderEmail),
      date,
      body,
      attachments,
    },
    parseAttachment,
  );
}
