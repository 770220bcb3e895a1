import { describe, expect, it } from 'vitest';
import { CompoundFileError, readCompoundFile } from './compound-file.ts';
import { buildHwp } from './fixtures/hwp-builder.ts';
import { buildHwpx } from './fixtures/office-builders.ts';
import { buildZip } from './fixtures/zip-builder.ts';
import { parseDocument } from './parse-document.ts';
import { unprocessable } from './test-helpers.ts';

const RULES = [
  [
    { paragraph: '제1장 총칙' },
    { paragraph: '이 규정은 임직원의 휴가에 관한 사항을 정한다.' },
    {
      table: [
        ['휴가 종류', '일수', '비고'],
        ['연차휴가', '15일', '1년 이상 근속'],
        ['경조휴가', '5일', '본인 결혼'],
      ],
    },
    { paragraph: '표에 없는 휴가는 인사팀과 협의한다.' },
  ],
  [{ paragraph: '제2장 출장' }, { paragraph: '국내 출장비는 하루 5만원을 지급한다.' }],
  [{ paragraph: '제3장 부칙' }, { paragraph: '이 규정은 2026년 1월 1일부터 시행한다.' }],
] as const;

/** A compound file whose sector chain for `stream` points back at its own first sector. */
function withLoopedChain(bytes: Uint8Array, stream: string): Uint8Array {
  const buffer = Buffer.from(bytes);
  const entry = buffer.indexOf(Buffer.from(stream, 'utf16le'));
  const start = buffer.readUInt32LE(entry + 116);
  const fatSector = buffer.readUInt32LE(76);
  buffer.writeUInt32LE(start, 512 + fatSector * 512 + start * 4);
  return new Uint8Array(buffer);
}

describe('HWP 5.0', () => {
  it('reads every section with its paragraphs and the table, rows kept with their header', async () => {
    const parsed = await parseDocument({ bytes: buildHwp(RULES), filename: '휴가규정.hwp' });
    expect(parsed.kind).toBe('hwp');
    expect(parsed.mimeType).toBe('application/x-hwp');
    const headings = parsed.blocks.filter((block) => block.kind === 'heading').map((block) => block.text);
    expect(headings).toEqual(['Section 1', 'Section 2', 'Section 3']);
    expect(parsed.blocks).toContainEqual({
      kind: 'table',
      headers: ['휴가 종류', '일수', '비고'],
      rows: [
        ['연차휴가', '15일', '1년 이상 근속'],
        ['경조휴가', '5일', '본인 결혼'],
      ],
    });
    expect(parsed.blocks).toContainEqual({ kind: 'paragraph', text: '국내 출장비는 하루 5만원을 지급한다.' });
  });

  it('is recognised by its content whatever its name, and reads uncompressed bodies too', async () => {
    const parsed = await parseDocument({
      bytes: buildHwp(RULES, { compressed: false }),
      filename: 'upload.bin',
    });
    expect(parsed.kind).toBe('hwp');
    expect(parsed.blocks).toContainEqual({
      kind: 'paragraph',
      text: '이 규정은 2026년 1월 1일부터 시행한다.',
    });
  });

  it('refuses password-protected and distribution documents, saying what to do', async () => {
    const locked = await unprocessable(() =>
      parseDocument({ bytes: buildHwp(RULES, { password: true }), filename: 'a.hwp' }),
    );
    expect(locked.message).toMatch(/password-protected/);
    const distribution = await unprocessable(() =>
      parseDocument({ bytes: buildHwp(RULES, { distribution: true }), filename: 'a.hwp' }),
    );
    expect(distribution.message).toMatch(/배포용 문서/);
  });

  it('fails cleanly on a truncated file and on a sector chain that loops', async () => {
    const whole = buildHwp(RULES, { compressed: false });
    const truncated = await unprocessable(() =>
      parseDocument({ bytes: whole.subarray(0, 1500), filename: 'a.hwp' }),
    );
    expect(truncated.message).toBe('This HWP document is damaged and cannot be opened.');

    const big = buildHwp(
      [[...Array.from({ length: 200 }, (_, i) => ({ paragraph: `${i}번째 문단입니다.` }))]],
      {
        compressed: false,
      },
    );
    const looped = withLoopedChain(big, 'Section0');
    expect(() => readCompoundFile(looped).read('BodyText/Section0')).toThrow(CompoundFileError);
    const error = await unprocessable(() => parseDocument({ bytes: looped, filename: 'a.hwp' }));
    expect(error.message).toBe('This HWP document is damaged and cannot be opened.');
  });

  it('refuses the old HWP 3.0 format by name', async () => {
    const old = new TextEncoder().encode('HWP Document File V3.00 \x1a\x01\x02\x03\x04\x05');
    const error = await unprocessable(() => parseDocument({ bytes: old, filename: 'old.hwp' }));
    expect(error.message).toMatch(/HWP 3\.0/);
  });
});

describe('HWPX', () => {
  it('reads sections, paragraphs, the table and the title', async () => {
    const parsed = await parseDocument({
      bytes: buildHwpx(RULES, { title: '휴가 규정' }),
      filename: '휴가규정.hwpx',
    });
    expect(parsed.kind).toBe('hwpx');
    expect(parsed.title).toBe('휴가 규정');
    expect(parsed.blocks.filter((block) => block.kind === 'heading')).toHaveLength(3);
    expect(parsed.blocks).toContainEqual({
      kind: 'table',
      headers: ['휴가 종류', '일수', '비고'],
      rows: [
        ['연차휴가', '15일', '1년 이상 근속'],
        ['경조휴가', '5일', '본인 결혼'],
      ],
    });
  });

  it('refuses an encrypted HWPX and a zip bomb, and a zip named .hwpx that is not one', async () => {
    const locked = await unprocessable(() =>
      parseDocument({ bytes: buildHwpx(RULES, { encrypted: true }), filename: 'a.hwpx' }),
    );
    expect(locked.message).toMatch(/password-protected/);

    const bomb = buildHwpx([[{ paragraph: '가'.repeat(40 * 1024 * 1024) }]]);
    const tooLarge = await unprocessable(() => parseDocument({ bytes: bomb, filename: 'bomb.hwpx' }));
    expect(tooLarge.message).toMatch(/expands to more than/);

    const other = buildZip([{ name: 'notes.txt', data: '회의록' }]);
    const damaged = await unprocessable(() => parseDocument({ bytes: other, filename: 'a.hwpx' }));
    expect(damaged.message).toBe('This HWPX document is damaged and cannot be opened.');
  });
});
