/**
 * Parsing in worker threads: the same chunks as parsing in place, unusable files failed with the same
 * reason, and a file that runs too long, needs too much memory or is cancelled stops only itself.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileAnalyzer, FileToAnalyze } from '#core';
import { createInThreadAnalyzer } from '../core/ingest/analyze-file.ts';
import { buildFlatePdf } from '../core/ingest/fixtures/pdf-builder.ts';
import { createTokenCounter } from '../core/ingest/index.ts';
import { unprocessable, utf8 } from '../core/ingest/test-helpers.ts';
import { createAnalysisPool } from '../workers/analysis-pool.ts';
import { silentLogger } from './support/engine.ts';

const pools: FileAnalyzer[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

function pool(overrides: Partial<Parameters<typeof createAnalysisPool>[0]> = {}): FileAnalyzer {
  const created = createAnalysisPool({
    threads: 2,
    timeoutMs: 60_000,
    maxMemoryMb: 512,
    logger: silentLogger,
    ...overrides,
  });
  pools.push(created);
  return created;
}

function file(filename: string, bytes: Uint8Array, title = filename): FileToAnalyze {
  return { bytes, filename, title, maxBytes: 50 * 1024 * 1024, chunkTokens: 120, chunkOverlapTokens: 20 };
}

const handbook = `# Travel policy

## Booking
Book flights through the travel desk at least two weeks ahead. Economy class for trips under six hours.

## Expenses
Submit receipts within 30 days. Meals are reimbursed up to 60 EUR per day; alcohol is never reimbursed.
${'Hotels must be booked through the approved list, and exceptions need a manager. '.repeat(30)}`;

/** Markdown that takes a while to parse and chunk: thousands of sections. */
const longMarkdown = Array.from(
  { length: 6000 },
  (_, i) => `## Section ${i}\nParagraph ${i} about quarterly budgets, travel, expenses and hiring plans.\n`,
).join('\n');

describe('parsing in worker threads', () => {
  it('gives the same chunks, headings and BM25 terms as parsing in place', async () => {
    const input = file('handbook.md', utf8(handbook), 'Travel handbook');
    const inPlace = (await createInThreadAnalyzer(createTokenCounter()).analyze(input)).chunks;
    const stages: string[] = [];
    const threaded = (await pool().analyze(input, { onStage: (stage) => stages.push(stage) })).chunks;
    expect(threaded.length).toBeGreaterThan(1);
    expect(threaded).toEqual(inPlace);
    expect(threaded[0]!.headingPath).toEqual(['Travel policy', 'Booking']);
    expect(threaded[0]!.lexical.terms).toBeInstanceOf(Map);
    expect(threaded[0]!.indexText.startsWith('Travel handbook\nTravel handbook\n')).toBe(true);
    expect(stages).toEqual(['chunking']);
  });

  it('fails an unusable file with the reason parsing in place gives', async () => {
    const encrypted = file(
      'locked.pdf',
      new Uint8Array(
        readFileSync(new URL('../core/ingest/fixtures/password-protected.pdf', import.meta.url)),
      ),
    );
    const inPlace = await unprocessable(() =>
      createInThreadAnalyzer(createTokenCounter()).analyze(encrypted),
    );
    const threaded = await unprocessable(() => pool().analyze(encrypted));
    expect(threaded.message).toBe(inPlace.message);
    expect(threaded.message).toMatch(/password|encrypted/i);

    const empty = await unprocessable(() => pool().analyze(file('blank.txt', utf8('   \n\n  '))));
    expect(empty.message).toMatch(/No extractable text/);
  });

  it('keeps each result with its own file when many are in flight', async () => {
    const analyzer = pool({ threads: 2 });
    const names = Array.from({ length: 40 }, (_, i) => `note-${i}`);
    const results = await Promise.all(
      names.map((name) =>
        analyzer.analyze(file(`${name}.txt`, utf8(`The code word of ${name} is ${name}-secret.`))),
      ),
    );
    for (const [i, { chunks }] of results.entries()) {
      expect(chunks).toHaveLength(1);
      expect(chunks[0]!.text).toBe(`The code word of ${names[i]} is ${names[i]}-secret.`);
    }
  });

  it('stops a file that parses longer than the limit, and goes on with the next', async () => {
    const analyzer = pool({ threads: 1, timeoutMs: 20 });
    const slow = await unprocessable(() => analyzer.analyze(file('huge.md', utf8(longMarkdown))));
    expect(slow.message).toMatch(/took longer than the 1 second allowed, so it was stopped/);
    const next = await pool({ threads: 1 }).analyze(file('small.md', utf8(handbook)));
    expect(next.chunks.length).toBeGreaterThan(0);
  });

  it('files queued behind a stopped one are still parsed', async () => {
    const analyzer = pool({ threads: 1, timeoutMs: 300 });
    const slow = analyzer.analyze(file('huge.md', utf8(longMarkdown.repeat(4))));
    const behind = Array.from({ length: 3 }, (_, i) =>
      analyzer.analyze(file(`small-${i}.txt`, utf8(`Small file number ${i}.`))),
    );
    await expect(slow).rejects.toThrow(/took longer than/);
    const parsed = await Promise.all(behind);
    expect(parsed.map(({ chunks }) => chunks[0]!.text)).toEqual([
      'Small file number 0.',
      'Small file number 1.',
      'Small file number 2.',
    ]);
  });

  it('fails a file that needs more memory than a thread may use, and survives it', async () => {
    // An idle thread already holds ~35–38 MB (heap, external, malloc), so the limit leaves the small file
    // below room to spare: at 48 MB its uncollected garbage sometimes crossed the line under load.
    const analyzer = pool({ threads: 1, maxMemoryMb: 96 });
    const big = utf8(longMarkdown.repeat(40));
    const failed = await unprocessable(() => analyzer.analyze(file('big.md', big)));
    expect(failed.message).toBe(
      'This file needs more memory to read than the 96 MB allowed, so it was stopped.',
    );
    const next = await analyzer.analyze(file('small.md', utf8(handbook)));
    expect(next.chunks.length).toBeGreaterThan(0);
  });

  it('bounds the whole footprint, not only the JS heap: buffers a PDF inflates outside it count too', async () => {
    // 160 MB of page content inflated by pdf.js into ArrayBuffers (outside the 64 MB heap limit), under
    // the per-stream cap; only the thread's whole footprint can stop it.
    const analyzer = pool({ threads: 1, maxMemoryMb: 64 });
    const bomb = buildFlatePdf('Annual leave is 15 days', 160 * 1024 * 1024);
    const failed = await unprocessable(() => analyzer.analyze(file('bomb.pdf', bomb)));
    expect(failed.message).toBe(
      'This file needs more memory to read than the 64 MB allowed, so it was stopped.',
    );
    const next = await analyzer.analyze(file('small.md', utf8(handbook)));
    expect(next.chunks.length).toBeGreaterThan(0);
  });

  it('a cancelled job stops its file at once', async () => {
    const analyzer = pool({ threads: 1 });
    const controller = new AbortController();
    const running = analyzer.analyze(file('huge.md', utf8(longMarkdown.repeat(4))), {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('job cancelled')), 50);
    await expect(running).rejects.toThrow('job cancelled');
    const next = await analyzer.analyze(file('small.md', utf8(handbook)));
    expect(next.chunks.length).toBeGreaterThan(0);
  });
});
