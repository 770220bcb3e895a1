import CFB from 'cfb';
import { describe, expect, it } from 'vitest';
import { buildPptx, buildXlsx, type SlideInput } from './fixtures/office-builders.ts';
import { buildZip } from './fixtures/zip-builder.ts';
import { parseDocument } from './parse-document.ts';
import { MAX_ROWS } from './parse-xlsx.ts';
import { unprocessable } from './test-helpers.ts';

const WORKBOOK = [
  {
    name: '2026 매출',
    rows: [
      ['지역', '1분기', '2분기'],
      ['서울', 1200, 1350],
      ['부산', 800, 910],
    ],
  },
  {
    name: '비용',
    rows: [
      ['항목', '금액'],
      ['출장비', 300],
      ['교육비', 150],
    ],
  },
  {
    name: 'Headcount',
    rows: [
      ['Team', 'People'],
      ['Sales', 12],
      ['Support', 7],
    ],
  },
];

const DECK: SlideInput[] = Array.from({ length: 20 }, (_, i) => ({
  title: i === 6 ? '해외 법인 설립 계획' : `2026년 사업계획 ${i + 1}`,
  body: i === 6 ? ['베트남 하노이 법인은 2026년 9월에 설립한다.'] : [`${i + 1}번 슬라이드의 본문입니다.`],
  ...(i === 6
    ? { notes: '발표 메모: 설립 자본금은 50만 달러로 잡았다.' }
    : i % 3 === 0
      ? { notes: `메모 ${i + 1}` }
      : {}),
  ...(i === 10
    ? {
        table: [
          ['분기', '목표'],
          ['3분기', '40억원'],
        ],
      }
    : {}),
}));

describe('XLSX', () => {
  it('reads each sheet as a section whose rows keep their header', async () => {
    const parsed = await parseDocument({ bytes: buildXlsx(WORKBOOK), filename: '실적.xlsx' });
    expect(parsed.kind).toBe('xlsx');
    expect(parsed.blocks).toEqual([
      { kind: 'heading', level: 1, text: '2026 매출' },
      {
        kind: 'table',
        headers: ['지역', '1분기', '2분기'],
        rows: [
          ['서울', '1200', '1350'],
          ['부산', '800', '910'],
        ],
      },
      { kind: 'heading', level: 1, text: '비용' },
      {
        kind: 'table',
        headers: ['항목', '금액'],
        rows: [
          ['출장비', '300'],
          ['교육비', '150'],
        ],
      },
      { kind: 'heading', level: 1, text: 'Headcount' },
      {
        kind: 'table',
        headers: ['Team', 'People'],
        rows: [
          ['Sales', '12'],
          ['Support', '7'],
        ],
      },
    ]);
  });

  it(`cuts a million-row sheet at ${MAX_ROWS.toLocaleString('en')} rows and says so`, async () => {
    const rows = ['<row><c t="inlineStr"><is><t>번호</t></is></c></row>'];
    for (let i = 1; i <= 1_000_000; i++) rows.push(`<row><c><v>${i}</v></c></row>`);
    const sheet = `<worksheet><sheetData>${rows.join('')}</sheetData></worksheet>`;
    const bytes = buildXlsx([{ name: 'Big', rows: [] }], {
      rawSheets: { 0: { name: 'xl/worksheets/sheet1.xml', data: sheet } },
    });
    const parsed = await parseDocument({ bytes, filename: 'big.xlsx' });
    const table = parsed.blocks.find((block) => block.kind === 'table');
    expect(table?.kind === 'table' && table.rows.length).toBe(MAX_ROWS - 1);
    expect(parsed.blocks.at(-1)).toEqual({
      kind: 'paragraph',
      text: `Only the first ${MAX_ROWS.toLocaleString('en')} rows of this workbook were read.`,
    });
  });

  it('refuses an encrypted workbook, a zip bomb and a damaged one, each with its reason', async () => {
    const encrypted = await unprocessable(() =>
      parseDocument({
        bytes: buildZip([{ name: 'xl/workbook.xml', data: '<workbook/>', encrypted: true }]),
        filename: 'a.xlsx',
      }),
    );
    expect(encrypted.message).toBe(
      'This Excel workbook is password-protected. Remove the password and upload it again.',
    );

    const lying = buildXlsx(WORKBOOK, {
      rawSheets: {
        0: { name: 'xl/worksheets/sheet1.xml', data: 'x'.repeat(10_000_000), declaredSize: 1000 },
      },
    });
    const bomb = await unprocessable(() => parseDocument({ bytes: lying, filename: 'bomb.xlsx' }));
    expect(bomb.message).toBe('This Excel workbook is damaged and cannot be opened.');

    const huge = buildXlsx(WORKBOOK, {
      rawSheets: { 0: { name: 'xl/worksheets/sheet1.xml', data: '<a/>'.repeat(50_000_000) } },
    });
    const tooLarge = await unprocessable(() => parseDocument({ bytes: huge, filename: 'huge.xlsx' }));
    expect(tooLarge.message).toMatch(/^This Excel workbook expands to more than 160 MB/);

    const truncated = buildXlsx(WORKBOOK);
    const cut = await unprocessable(() =>
      parseDocument({ bytes: truncated.subarray(0, 600), filename: 'cut.xlsx' }),
    );
    expect(cut.message).toBe('This Excel workbook is damaged and cannot be opened.');
  });
});

describe('PPTX', () => {
  it('reads 20 slides in order, each headed by its number and title, with speaker notes and tables', async () => {
    const parsed = await parseDocument({ bytes: buildPptx(DECK), filename: '사업계획.pptx' });
    expect(parsed.kind).toBe('pptx');
    const slides = parsed.blocks.filter((block) => block.kind === 'heading' && block.level === 1);
    expect(slides).toHaveLength(20);
    expect(slides[6]).toEqual({ kind: 'heading', level: 1, text: 'Slide 7: 해외 법인 설립 계획' });
    const seventh = parsed.blocks.indexOf(slides[6]!);
    expect(parsed.blocks.slice(seventh + 1, seventh + 4)).toEqual([
      { kind: 'paragraph', text: '베트남 하노이 법인은 2026년 9월에 설립한다.' },
      { kind: 'heading', level: 2, text: 'Speaker notes' },
      { kind: 'paragraph', text: '발표 메모: 설립 자본금은 50만 달러로 잡았다.' },
    ]);
    expect(parsed.blocks).toContainEqual({
      kind: 'table',
      headers: ['분기', '목표'],
      rows: [['3분기', '40억원']],
    });
    // The notes page's slide number is not read as a note.
    expect(parsed.blocks).not.toContainEqual({ kind: 'paragraph', text: '7' });
  });

  it('refuses a zip that is not a presentation and a PowerPoint file encrypted by Office', async () => {
    const damaged = await unprocessable(() =>
      parseDocument({ bytes: buildZip([{ name: 'a.xml', data: '<a/>' }]), filename: 'deck.pptx' }),
    );
    expect(damaged.message).toBe('This PowerPoint presentation is damaged and cannot be opened.');

    // Office encrypts OOXML by wrapping it in a compound file with an EncryptedPackage stream.
    const container = CFB.utils.cfb_new();
    CFB.utils.cfb_add(container, '/EncryptionInfo', Buffer.alloc(64, 1));
    CFB.utils.cfb_add(container, '/EncryptedPackage', Buffer.alloc(8192, 2));
    const encrypted = new Uint8Array(CFB.write(container, { type: 'buffer' }) as Buffer);
    const locked = await unprocessable(() => parseDocument({ bytes: encrypted, filename: '사업계획.pptx' }));
    expect(locked.message).toBe(
      'This PowerPoint presentation is password-protected. Remove the password and upload it again.',
    );
  });
});
