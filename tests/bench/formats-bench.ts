/**
 * npm run bench -- --only formats
 * Parse throughput (MB/s of the file as uploaded) for each format read by core/ingest, on files built the
 * way the tests build them but larger, and OCR speed (pages/s) and character accuracy on the scanned
 * Korean fixture against its source text. Parse only: no chunking, embedding or storing.
 */
import { readFileSync } from 'node:fs';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { buildHwp, type HwpContent } from '../../core/ingest/fixtures/hwp-builder.ts';
import { buildEml, buildMsg } from '../../core/ingest/fixtures/mail-builders.ts';
import { buildHwpx, buildPptx, buildXlsx } from '../../core/ingest/fixtures/office-builders.ts';
import { tesseractFor } from '../../core/ingest/ocr-tesseract.ts';
import { parseDocument } from '../../core/ingest/parse-document.ts';
import { type BenchRow, progress, round } from './support.ts';
import { mulberry32 } from './synthetic.ts';

/**
 * Varied Korean and English words, so files compress as real documents do (a few times); repeating one
 * sentence would compress 100× and make MB/s of the upload meaningless.
 */
const random = mulberry32(7);
const word = (alphabet: () => string, min: number, spread: number): string =>
  Array.from({ length: min + Math.floor(random() * spread) }, alphabet).join('');
const HANGUL = Array.from({ length: 2000 }, () =>
  word(() => String.fromCharCode(0xac00 + Math.floor(random() * 11172)), 2, 3),
);
const LATIN = Array.from({ length: 2000 }, () =>
  word(() => String.fromCharCode(97 + Math.floor(random() * 26)), 3, 6),
);
function sentence(): string {
  const words = Array.from(
    { length: 12 },
    (_, i) => (i % 4 === 3 ? LATIN : HANGUL)[Math.floor(random() * 2000)],
  );
  return `${words.join(' ')}.`;
}

function sections(count: number, paragraphs: number): HwpContent[][] {
  return Array.from({ length: count }, (_, s) => [
    ...Array.from({ length: paragraphs }, (_, p) => ({
      paragraph: `제${s + 1}장 ${p + 1}항. ${sentence()}`,
    })),
    { table: Array.from({ length: 30 }, (_, r) => [`구분 ${r}`, `${r * 3}일`, sentence()]) },
  ]);
}

async function textPdf(pages: number): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) {
    const page = pdf.addPage();
    for (let line = 0; line < 40; line++) {
      page.drawText(
        `Page ${i + 1}, line ${line + 1}: ${LATIN.slice(line * 7, line * 7 + 8).join(' ')} ${i * line}`,
        {
          x: 40,
          y: 760 - line * 18,
          font,
          size: 10,
        },
      );
    }
  }
  return pdf.save();
}

/** Median seconds of three parses, after one warm-up. */
async function timeParse(filename: string, bytes: Uint8Array): Promise<number> {
  await parseDocument({ bytes, filename });
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await parseDocument({ bytes, filename });
    times.push((performance.now() - start) / 1000);
  }
  return times.sort((a, b) => a - b)[1] ?? Number.NaN;
}

function levenshtein(a: readonly string[], b: readonly string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export async function run(): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  const pdf = await textPdf(100);
  const files: [string, Uint8Array][] = [
    ['rules.hwp', buildHwp(sections(10, 1000))],
    ['rules.hwpx', buildHwpx(sections(10, 1000))],
    [
      'figures.xlsx',
      buildXlsx(
        ['매출', '비용', '인원'].map((name) => ({
          name,
          rows: [
            ['지역', '항목', '금액', '비고'],
            ...Array.from({ length: 20_000 }, (_, r) => [`지역 ${r % 17}`, `항목 ${r}`, r * 13, sentence()]),
          ],
        })),
      ),
    ],
    [
      'deck.pptx',
      buildPptx(
        Array.from({ length: 300 }, (_, i) => ({
          title: `사업계획 ${i + 1}`,
          body: Array.from({ length: 8 }, () => sentence()),
          notes: sentence(),
        })),
      ),
    ],
    ['text.pdf', pdf],
    [
      'mail.eml',
      buildEml({
        subject: '3분기 예산',
        from: '김지원 <jiwon.kim@example.co.kr>',
        date: 'Mon, 6 Jul 2026 09:30:00 +0900',
        body: Array.from({ length: 2000 }, () => sentence()).join('\n\n'),
        attachments: [{ filename: 'budget.pdf', mimeType: 'application/pdf', bytes: pdf }],
      }),
    ],
    [
      'mail.msg',
      buildMsg({
        subject: '3분기 예산',
        from: '김지원',
        senderEmail: 'jiwon.kim@example.co.kr',
        body: Array.from({ length: 2000 }, () => sentence()).join('\n\n'),
        attachments: [{ filename: 'budget.pdf', mimeType: 'application/pdf', bytes: pdf }],
      }),
    ],
  ];
  for (const [filename, bytes] of files) {
    progress(`parsing ${filename}`);
    const seconds = await timeParse(filename, bytes);
    const mb = bytes.byteLength / 1024 / 1024;
    out.push({
      name: `parse ${filename} (${round(mb, 2)} MB)`,
      value: round(mb / seconds, 2),
      unit: 'MB/s',
      note: `${round(seconds * 1000, 0)} ms`,
    });
  }

  progress('OCR of the scanned Korean fixture');
  const scan = new Uint8Array(
    readFileSync(new URL('../../core/ingest/fixtures/scanned-korean.pdf', import.meta.url)),
  );
  const source = readFileSync(
    new URL('../../core/ingest/fixtures/scanned-korean.txt', import.meta.url),
    'utf8',
  );
  const ocr = tesseractFor('kor+eng', 600_000);
  if (ocr === null) {
    out.push({
      name: 'OCR scanned Korean PDF',
      value: Number.NaN,
      unit: '',
      note: 'tesseract with kor+eng is not installed',
    });
    return out;
  }
  const start = performance.now();
  const parsed = await parseDocument({ bytes: scan, filename: 'scan.pdf', ocr });
  const seconds = (performance.now() - start) / 1000;
  const pages = new Set(parsed.blocks.map((block) => (block.kind === 'paragraph' ? block.page : undefined)))
    .size;
  // Characters compared without whitespace: OCR's spacing in Korean is not what is being measured.
  const recognised = [
    ...parsed.blocks
      .map((block) => (block.kind === 'paragraph' ? block.text : ''))
      .join('')
      .replace(/\s+/g, ''),
  ];
  const expected = [...source.replace(/^===$/gm, '').replace(/\s+/g, '')];
  const errors = levenshtein(recognised, expected);
  out.push({
    name: `OCR scanned Korean PDF (${pages} pages), one page at a time`,
    value: round(pages / seconds, 2),
    unit: 'pages/s',
    note: `${round(seconds, 1)} s`,
  });
  out.push({
    name: 'OCR character accuracy (Korean + English)',
    value: round(100 * (1 - errors / expected.length), 2),
    unit: '%',
    target: '≥ 95%',
    note: `${errors} edits over ${expected.length} characters`,
  });
  return out;
}
