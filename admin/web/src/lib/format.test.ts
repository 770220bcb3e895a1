import { describe, expect, it } from 'vitest';
import { formatBytes, splitCitations } from './format.ts';
import { navFor } from './roles.ts';
import { parseEvent } from './sse.ts';

describe('splitCitations', () => {
  it('turns [n] markers into citations and keeps the text around them', () => {
    expect(splitCitations('30 days [1], carried over [2].')).toEqual([
      { text: '30 days ' },
      { cite: 1 },
      { text: ', carried over ' },
      { cite: 2 },
      { text: '.' },
    ]);
  });
});

describe('parseEvent', () => {
  it('reads the event name and joins multi-line data', () => {
    expect(parseEvent('event: delta\ndata: {"text":"a"}')).toEqual({ event: 'delta', data: '{"text":"a"}' });
    expect(parseEvent(': keep-alive')).toBeNull();
  });
});

describe('navigation per role', () => {
  it('gives members the playground and settings only, auditors no users or keys', () => {
    expect(navFor('member').map((item) => item.href)).toEqual(['/playground', '/settings']);
    const auditor = navFor('auditor').map((item) => item.href);
    expect(auditor).toContain('/audit');
    expect(auditor).not.toContain('/users');
    expect(auditor).not.toContain('/api-keys');
    expect(auditor).not.toContain('/feedback');
  });
});

it('formats sizes for people', () => {
  expect(formatBytes(1536)).toBe('1.5 KB');
});
