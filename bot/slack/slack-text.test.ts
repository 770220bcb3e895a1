import { describe, expect, it } from 'vitest';
import { markdownToMrkdwn, questionFromSlackText, splitExact, splitText } from './slack-text.ts';

describe('questionFromSlackText', () => {
  it('drops the bot’s mention and makes Slack markup readable', () => {
    expect(questionFromSlackText('<@W111> Hi there!', 'W111')).toBe('Hi there!');
    expect(
      questionFromSlackText(
        '<@W111|ex-gpt> ask <@U222|ann> about <#C333|general> &amp; <https://x.example/a|the doc> &lt;3',
        'W111',
      ),
    ).toBe('ask @ann about #general & the doc <3');
    expect(questionFromSlackText('see <https://x.example/a>', undefined)).toBe('see https://x.example/a');
  });
});

describe('markdownToMrkdwn', () => {
  it('turns Markdown emphasis, headings, lists and links into Slack mrkdwn, escaping the rest', () => {
    expect(markdownToMrkdwn('## Leave\n**25 days** and *some* ~~none~~ [1]')).toBe(
      '*Leave*\n*25 days* and _some_ ~none~ [1]',
    );
    expect(markdownToMrkdwn('- one\n- two')).toBe('• one\n• two');
    expect(markdownToMrkdwn('[the policy](https://x.example/p?a=1&b=2) a<b')).toBe(
      '<https://x.example/p?a=1&b=2|the policy> a&lt;b',
    );
    expect(markdownToMrkdwn('run `a **b**` then\n```\n**x** <y>\n```')).toBe(
      'run `a **b**` then\n```\n**x** <y>\n```',
    );
  });
});

describe('splitText', () => {
  it('keeps every piece within the limit, cutting at paragraphs, lines, then words', () => {
    const text = Array.from({ length: 50 }, (_, i) => `Paragraph ${i} ${'word '.repeat(30)}`).join('\n\n');
    const pieces = splitText(text, 500);
    expect(pieces.every((p) => p.length <= 500)).toBe(true);
    expect(pieces.join(' ').replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
    expect(pieces.every((p) => p.startsWith('Paragraph'))).toBe(true);
    expect(splitText('x'.repeat(1200), 500).map((p) => p.length)).toEqual([500, 500, 200]);
  });

  it('closes and reopens a code fence it cuts through', () => {
    const pieces = splitText(`\`\`\`\n${'line of code\n'.repeat(100)}\`\`\``, 300);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect((piece.match(/```/g) ?? []).length % 2).toBe(0);
  });
});

describe('splitExact', () => {
  it('cuts within the limit without losing a character, at paragraph, line or word ends', () => {
    const text = Array.from({ length: 40 }, (_, i) => `Line ${i} ${'word '.repeat(i % 7)}`).join('\n');
    const pieces = splitExact(text, 60);
    expect(pieces.join('')).toBe(text);
    expect(pieces.every((p) => p.length <= 60)).toBe(true);
    expect(pieces.slice(0, -1).every((p) => /[\n ]$/.test(p))).toBe(true);
  });
});
