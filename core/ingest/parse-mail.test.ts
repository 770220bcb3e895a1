import { PDFDocument, StandardFonts } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { buildEml, buildMsg } from './fixtures/mail-builders.ts';
import { MAX_ATTACHMENTS } from './message-blocks.ts';
import { parseDocument } from './parse-document.ts';
import { unprocessable } from './test-helpers.ts';

async function budgetPdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const line of ['Q3 budget overview', 'The travel budget for Q3 is 42,000 dollars.']) {
    pdf.addPage().drawText(line, { x: 50, y: 700, font, size: 12 });
  }
  return pdf.save();
}

const MAIL = {
  subject: '3분기 출장 예산 안내',
  from: '김지원 <jiwon.kim@example.co.kr>',
  date: 'Mon, 6 Jul 2026 09:30:00 +0900',
  body: '안녕하세요, 재무팀입니다.\n\n3분기 출장 예산을 첨부합니다. 승인 마감은 7월 15일입니다.\n\n감사합니다.',
};

describe('EML', () => {
  it('reads subject, sender and date as the heading path, the body, and a PDF attachment with its pages', async () => {
    const bytes = buildEml({
      ...MAIL,
      attachments: [{ filename: '3분기 예산.pdf', mimeType: 'application/pdf', bytes: await budgetPdf() }],
    });
    const parsed = await parseDocument({ bytes, filename: '예산 안내.eml' });
    expect(parsed.kind).toBe('eml');
    expect(parsed.title).toBe('3분기 출장 예산 안내');
    expect(parsed.blocks.slice(0, 3)).toEqual([
      { kind: 'heading', level: 1, text: '3분기 출장 예산 안내' },
      { kind: 'heading', level: 2, text: '김지원 <jiwon.kim@example.co.kr>, 2026-07-06 00:30 UTC' },
      { kind: 'paragraph', text: '안녕하세요, 재무팀입니다.' },
    ]);
    expect(parsed.blocks).toContainEqual({ kind: 'heading', level: 3, text: 'Attachment: 3분기 예산.pdf' });
    expect(parsed.blocks).toContainEqual({
      kind: 'paragraph',
      text: 'The travel budget for Q3 is 42,000 dollars.',
      page: 2,
    });
  });

  it(`reads the first ${MAX_ATTACHMENTS} of 500 attachments and names the rest, and names unsupported ones`, async () => {
    const attachments = Array.from({ length: 500 }, (_, i) => ({
      filename: `메모-${i + 1}.txt`,
      mimeType: 'text/plain',
      bytes: new TextEncoder().encode(`첨부 ${i + 1}번 메모`),
    }));
    attachments[0] = {
      filename: '사진.png',
      mimeType: 'image/png',
      bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0]),
    };
    const parsed = await parseDocument({ bytes: buildEml({ ...MAIL, attachments }), filename: 'many.eml' });
    const read = parsed.blocks.filter(
      (block) => block.kind === 'heading' && block.text.startsWith('Attachment: '),
    );
    expect(read).toHaveLength(MAX_ATTACHMENTS - 1);
    expect(parsed.blocks).not.toContainEqual({ kind: 'paragraph', text: '첨부 21번 메모' });
    expect(parsed.blocks.at(-1)).toEqual({
      kind: 'list',
      ordered: false,
      items: [
        '사진.png: Unsupported file type: .png (supported: PDF, DOCX, HWP, HWPX, XLSX, PPTX, EML, MSG, HTML, Markdown, plain text, CSV)',
        `480 more attachments (only the first ${MAX_ATTACHMENTS} are read)`,
      ],
    });
  });

  it('refuses a file named .eml that holds no e-mail', async () => {
    const error = await unprocessable(() =>
      parseDocument({ bytes: new TextEncoder().encode('그냥 메모입니다'), filename: 'memo.eml' }),
    );
    expect(error.message).toBe('This file is named as an e-mail (.eml) but has no e-mail headers.');
  });
});

describe('MSG', () => {
  it('reads an Outlook message with its sender, body and PDF attachment', async () => {
    const bytes = buildMsg({
      subject: MAIL.subject,
      from: '김지원',
      senderEmail: 'jiwon.kim@example.co.kr',
      body: MAIL.body,
      attachments: [{ filename: 'budget.pdf', mimeType: 'application/pdf', bytes: await budgetPdf() }],
    });
    const parsed = await parseDocument({ bytes, filename: '예산 안내.msg' });
    expect(parsed.kind).toBe('msg');
    expect(parsed.blocks.slice(0, 3)).toEqual([
      { kind: 'heading', level: 1, text: '3분기 출장 예산 안내' },
      { kind: 'heading', level: 2, text: '김지원 <jiwon.kim@example.co.kr>' },
      { kind: 'paragraph', text: '안녕하세요, 재무팀입니다.' },
    ]);
    expect(parsed.blocks).toContainEqual({
      kind: 'paragraph',
      text: 'The travel budget for Q3 is 42,000 dollars.',
      page: 2,
    });
  });

  it('fails cleanly on a truncated message and on a sector chain that loops', async () => {
    const bytes = buildMsg({
      subject: '회의록',
      from: '이영희',
      senderEmail: 'lee@example.co.kr',
      body: '본문 '.repeat(3000),
    });
    const cut = await unprocessable(() =>
      parseDocument({ bytes: bytes.subarray(0, 2048), filename: 'a.msg' }),
    );
    expect(cut.message).toBe('This Outlook message (.msg) is damaged and cannot be opened.');

    const looped = Buffer.from(bytes);
    const entry = looped.indexOf(Buffer.from('__substg1.0_1000001F', 'utf16le'));
    const start = looped.readUInt32LE(entry + 116);
    looped.writeUInt32LE(start, 512 + looped.readUInt32LE(76) * 512 + start * 4);
    const loop = await unprocessable(() =>
      parseDocument({ bytes: new Uint8Array(looped), filename: 'a.msg' }),
    );
    expect(loop.message).toBe('This Outlook message (.msg) is damaged and cannot be opened.');
  });
});
