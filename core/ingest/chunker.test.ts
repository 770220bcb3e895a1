import { describe, expect, it } from 'vitest';
import type { ChunkDraft } from '../ports.ts';
import { chunkDocument } from './chunker.ts';
import { parseCsv } from './parse-csv.ts';
import { parseMarkdown } from './parse-markdown.ts';
import { parseText } from './parse-text.ts';
import type { Block, ParsedDocument } from './parsed-document.ts';
import { utf8 } from './test-helpers.ts';
import { createTokenCounter } from './tokens.ts';

const counter = createTokenCounter();

/** Distinct, numbered sentences so overlap and order can be checked by content. */
function sentences(topic: string, count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `${topic} rule ${i + 1} says staff must follow procedure ${i + 1} carefully.`,
  ).join(' ');
}

const HANDBOOK = `# Handbook

${sentences('Intro', 3)}

## Leave

### Vacation

${sentences('Vacation', 20)}

${sentences('Carryover', 15)}

### Sick leave

${sentences('Sick', 25)}

## Expenses

${sentences('Expense', 12)}
`;

function expectWellFormed(chunks: readonly ChunkDraft[], maxTokens: number): void {
  expect(chunks.map((chunk) => chunk.position)).toEqual(chunks.map((_, i) => i));
  for (const chunk of chunks) {
    expect(chunk.tokenCount).toBe(counter.count(chunk.text));
    expect(chunk.tokenCount).toBeLessThanOrEqual(maxTokens);
    expect(chunk.text.trim()).not.toBe('');
    expect(chunk.text).toBe(chunk.text.trim());
    expect(chunk.text).not.toMatch(/ {2}|\n{3}|[ \t]\n/);
  }
}

describe('chunkDocument', () => {
  it('stops with a short reason as soon as a document passes the chunk limit', () => {
    const sections = Array.from(
      { length: 40 },
      (_, i) =>
        `## 제${i + 1}조 출장 규정\n\n출장비는 귀국 후 ${i + 1}주 안에 정산합니다. ${sentences(`Rule${i}`, 30)}`,
    ).join('\n\n');
    const parsed = parseMarkdown(utf8(`# 출장 규정\n\n${sections}`));
    const all = chunkDocument(parsed, { counter, maxTokens: 200 });
    expect(all.length).toBeGreaterThan(40);
    expect(chunkDocument(parsed, { counter, maxTokens: 200, maxChunks: all.length })).toHaveLength(
      all.length,
    );
    expect(() => chunkDocument(parsed, { counter, maxTokens: 200, maxChunks: 40 })).toThrow(
      'This file is too large to index: it makes more than 40 passages, the most one document may have. Split it into smaller files.',
    );
  });

  it('keeps every chunk within the token budget and numbers them in order', () => {
    const chunks = chunkDocument(parseMarkdown(utf8(HANDBOOK)), {
      maxTokens: 120,
      overlapTokens: 25,
      counter,
    });
    expect(chunks.length).toBeGreaterThan(8);
    expectWellFormed(chunks, 120);
  });

  it('labels chunks with the heading path of their section and never mixes sections', () => {
    const chunks = chunkDocument(parseMarkdown(utf8(HANDBOOK)), {
      maxTokens: 120,
      overlapTokens: 25,
      counter,
    });
    const topicPath: Record<string, string[]> = {
      Vacation: ['Handbook', 'Leave', 'Vacation'],
      Carryover: ['Handbook', 'Leave', 'Vacation'],
      Sick: ['Handbook', 'Leave', 'Sick leave'],
      Expense: ['Handbook', 'Expenses'],
      Intro: ['Handbook'],
    };
    for (const chunk of chunks) {
      const topics = new Set([...chunk.text.matchAll(/(\w+) rule \d+/g)].map((match) => match[1] ?? ''));
      const paths = new Set([...topics].map((topic) => JSON.stringify(topicPath[topic])));
      expect(paths.size, chunk.text).toBe(1);
      expect(chunk.headingPath).toEqual(topicPath[[...topics][0] ?? '']);
    }
    // Every sentence of the source is in some chunk.
    for (const [topic, count] of [
      ['Vacation', 20],
      ['Sick', 25],
    ] as const) {
      for (let i = 1; i <= count; i++) {
        expect(chunks.some((chunk) => chunk.text.includes(`${topic} rule ${i} says`))).toBe(true);
      }
    }
  });

  it('repeats the last whole sentences of a chunk at the start of the next one in the same section', () => {
    const chunks = chunkDocument(parseMarkdown(utf8(HANDBOOK)), {
      maxTokens: 120,
      overlapTokens: 25,
      counter,
    });
    const sick = chunks.filter((chunk) => chunk.headingPath.at(-1) === 'Sick leave');
    expect(sick.length).toBeGreaterThan(2);
    for (let i = 1; i < sick.length; i++) {
      const previous = sick[i - 1]?.text ?? '';
      const firstSentence = /^.*?carefully\./.exec(sick[i]?.text ?? '')?.[0] ?? '';
      expect(firstSentence).not.toBe('');
      expect(previous.endsWith(firstSentence), `${previous}\n---\n${sick[i]?.text}`).toBe(true);
      const overlap = counter.count(firstSentence);
      expect(overlap).toBeLessThanOrEqual(25);
    }
    // The first chunk of the next section does not start with the previous section's text.
    const expenses = chunks.find((chunk) => chunk.headingPath.at(-1) === 'Expenses');
    expect(expenses?.text.startsWith('Expense rule 1 says')).toBe(true);
  });

  it('does not overlap when overlapTokens is 0', () => {
    const chunks = chunkDocument(parseMarkdown(utf8(HANDBOOK)), {
      maxTokens: 120,
      overlapTokens: 0,
      counter,
    });
    const all = chunks.flatMap((chunk) => [...chunk.text.matchAll(/\w+ rule \d+ says/g)].map((m) => m[0]));
    expect(new Set(all).size).toBe(all.length);
  });

  it('makes a short document exactly one chunk', () => {
    const doc = parseMarkdown(
      utf8('# FAQ\n\nWhere is the office?\n\n## Parking\n\nFree for staff.\n\n## Lunch\n\nAt noon.'),
    );
    const chunks = chunkDocument(doc, { counter });
    expect(chunks).toEqual([
      {
        position: 0,
        headingPath: ['FAQ'],
        text: 'Where is the office?\n\nParking\n\nFree for staff.\n\nLunch\n\nAt noon.',
        tokenCount: counter.count('Where is the office?\n\nParking\n\nFree for staff.\n\nLunch\n\nAt noon.'),
        page: undefined,
      },
    ]);
  });

  it('merges small sibling sections under their parent when the document is long', () => {
    const faq = Array.from(
      { length: 30 },
      (_, i) => `## Question ${i + 1}\n\nShort answer number ${i + 1}.`,
    ).join('\n\n');
    const doc = parseMarkdown(utf8(`# FAQ\n\n${faq}\n\n# Policy\n\n${sentences('Policy', 30)}`));
    const chunks = chunkDocument(doc, { maxTokens: 100, overlapTokens: 20, counter });
    expectWellFormed(chunks, 100);
    const faqChunks = chunks.filter((chunk) => chunk.headingPath[0] === 'FAQ');
    expect(faqChunks.length).toBeLessThan(10);
    for (const chunk of faqChunks) expect(chunk.headingPath).toEqual(['FAQ']);
    expect(faqChunks[0]?.text.startsWith('Question 1\n\nShort answer number 1.\n\nQuestion 2')).toBe(true);
    expect(chunks.filter((chunk) => chunk.headingPath[0] === 'Policy').length).toBeGreaterThan(1);
  });

  it('prefers to end a chunk at a paragraph boundary', () => {
    const paragraphs = Array.from({ length: 6 }, (_, p) => sentences(`P${p}`, 4)).join('\n\n');
    const chunks = chunkDocument(parseText(utf8(paragraphs)), { maxTokens: 150, overlapTokens: 0, counter });
    expectWellFormed(chunks, 150);
    for (const chunk of chunks) expect(chunk.text).toMatch(/^P\d rule 1 says.*carefully\.$/s);
  });

  it('keeps the indentation of code', () => {
    const doc = parseMarkdown(
      utf8('# Setup\n\nRun this:\n\n```python\ndef main():\n    if ready:\n        start()\n```\n'),
    );
    expect(chunkDocument(doc, { counter }).map((chunk) => chunk.text)).toEqual([
      'Run this:\n\ndef main():\n    if ready:\n        start()',
    ]);
  });

  it('carries PDF page numbers to the chunk where the new text starts', () => {
    const blocks: Block[] = [
      { kind: 'paragraph', text: sentences('First', 12), page: 1 },
      { kind: 'paragraph', text: sentences('Second', 12), page: 2 },
    ];
    const chunks = chunkDocument({ title: null, blocks }, { maxTokens: 100, overlapTokens: 20, counter });
    const pageOf = (topic: string): (number | undefined)[] =>
      chunks.filter((chunk) => chunk.text.includes(`${topic} rule 12 says`)).map((chunk) => chunk.page);
    expect(pageOf('First')).toContain(1);
    expect(chunks[0]?.page).toBe(1);
    expect(chunks.at(-1)?.page).toBe(2);
  });

  it('ends a chunk at a page break, so a short PDF cites the page a fact is on', () => {
    const blocks: Block[] = [
      { kind: 'paragraph', text: '제1장 총칙. 이 규정은 출장에 관한 사항을 정한다.', page: 1 },
      { kind: 'paragraph', text: 'Working hours are from ten to four.', page: 2 },
      { kind: 'paragraph', text: '해외 출장 일비는 하루 80달러이다.', page: 3 },
      { kind: 'paragraph', text: 'Visitors park on level B2.', page: 3 },
    ];
    const chunks = chunkDocument({ title: null, blocks }, { counter });
    expect(chunks.map((chunk) => chunk.page)).toEqual([1, 2, 3]);
    expect(chunks[2]?.text).toBe('해외 출장 일비는 하루 80달러이다.\n\nVisitors park on level B2.');
  });

  it('splits a large CSV between rows, every row carrying its headers', () => {
    const rows = Array.from(
      { length: 200 },
      (_, i) => `Employee ${i},Team ${i % 7},"Room ${i}, floor ${i % 5}"`,
    );
    const doc = parseCsv(utf8(`Name,Team,Location\n${rows.join('\n')}`));
    const chunks = chunkDocument(doc, { maxTokens: 100, overlapTokens: 10, counter });
    expectWellFormed(chunks, 100);
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) {
      for (const line of chunk.text.split('\n'))
        expect(line).toMatch(/^Name: Employee \d+; Team: Team \d; Location: Room \d+, floor \d$/);
    }
  });

  it('splits a 10 MB single line with no punctuation into in-budget chunks', () => {
    const doc = parseText(utf8('word '.repeat(2_000_000)));
    const chunks = chunkDocument(doc, { counter });
    expectWellFormed(chunks, 350);
    expect(chunks.length).toBeGreaterThan(5000);
  });

  it('is deterministic', () => {
    const parsed: ParsedDocument = parseMarkdown(utf8(HANDBOOK));
    const options = { maxTokens: 90, overlapTokens: 20, counter };
    expect(chunkDocument(parsed, options)).toEqual(
      chunkDocument(parsed, { ...options, counter: createTokenCounter() }),
    );
  });

  it('refuses nonsensical options', () => {
    const doc = parseText(utf8('x'));
    expect(() => chunkDocument(doc, { maxTokens: 100, overlapTokens: 80, counter })).toThrow(RangeError);
    expect(() => chunkDocument(doc, { maxTokens: 4, counter })).toThrow(RangeError);
  });
});
