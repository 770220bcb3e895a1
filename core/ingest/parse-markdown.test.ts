import { describe, expect, it } from 'vitest';
import { parseMarkdown } from './parse-markdown.ts';
import { utf8 } from './test-helpers.ts';

const HANDBOOK = `---
title: "Employee Handbook 2025"
owner: HR
---

# Handbook

Welcome to **ACME**. Read the [leave policy](https://intranet/leave) and run \`make setup\` on day one.
Line two of the same paragraph &amp; more.

## Leave

- Vacation: *25 days*
- Sick leave
  1. call your manager
  2. send a note

> Tip: book early.

| Type | Days | Notes |
|------|-----:|-------|
| Vacation | 25 | carry over, until March |
| Parental | 10 | |

\`\`\`bash
./request-leave --days 3
\`\`\`

![org chart](chart.png)

<div class="note"><p>HTML <b>block</b> text</p><script>alert(1)</script></div>
`;

describe('parseMarkdown', () => {
  it('turns headings, lists, tables and code into blocks and strips the markup', () => {
    const doc = parseMarkdown(utf8(HANDBOOK));
    expect(doc.title).toBe('Employee Handbook 2025');
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Handbook' },
      {
        kind: 'paragraph',
        text: 'Welcome to ACME. Read the leave policy and run make setup on day one. Line two of the same paragraph & more.',
      },
      { kind: 'heading', level: 2, text: 'Leave' },
      {
        kind: 'list',
        ordered: false,
        items: ['Vacation: 25 days', 'Sick leave', 'call your manager', 'send a note'],
      },
      { kind: 'paragraph', text: 'Tip: book early.' },
      {
        kind: 'table',
        headers: ['Type', 'Days', 'Notes'],
        rows: [
          ['Vacation', '25', 'carry over, until March'],
          ['Parental', '10', ''],
        ],
      },
      { kind: 'code', text: './request-leave --days 3' },
      { kind: 'paragraph', text: 'HTML block text' },
    ]);
  });

  it('takes the first h1 as title without front matter', () => {
    expect(parseMarkdown(utf8('Intro text\n\nSetext Title\n============\n\nBody')).title).toBe(
      'Setext Title',
    );
  });

  it('reads a 10 MB paragraph without blank lines as plain text instead of crashing the lexer', () => {
    const huge = `# Log\n\n${'entry **one** two three\n'.repeat(450_000)}`;
    const doc = parseMarkdown(utf8(huge));
    expect(doc.blocks[0]).toEqual({ kind: 'heading', level: 1, text: 'Log' });
    expect(doc.blocks).toHaveLength(2);
    expect(doc.blocks[1]?.kind).toBe('paragraph');
  });

  it('flattens absurd nesting instead of overflowing the stack', () => {
    let nestedList = '';
    for (let i = 0; i < 2000; i++) nestedList += `${' '.repeat(i * 2)}- level ${i}\n`;
    const quotes = `${'>'.repeat(50_000)} deep quote\n`;
    const doc = parseMarkdown(utf8(`${quotes}\n${nestedList}`));
    const text = JSON.stringify(doc.blocks);
    expect(text).toContain('deep quote');
    expect(text).toContain('level 0');
    expect(text).toContain('level 1999');
  });
});
