import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { describe, expect, it } from 'vitest';
import { createTokenCounter } from './tokens.ts';

const reference = new Tiktoken(cl100k);
const exact = (text: string): number => reference.encode(text, [], []).length;

const SAMPLES = [
  '',
  'Hello, world!',
  'Every employee receives 25 days of paid vacation per calendar year.',
  "It's the company's policy; we'll review it in Q3 2025 (v1.2.3).",
  'Grüße aus München — naïve café, façade, œuvre.',
  '日本語のテキストはスペースなしで続きます。休暇は年間二十五日です。',
  'Привет, как дела? Отпуск составляет 25 дней.',
  'emoji 👍🏽 and family 👨‍👩‍👧 and flags 🇩🇪',
  '    indented code\n\tfn main() { println!("{}", 42); }\n\n\n',
  'special tokens stay text: <|endoftext|> <|fim_prefix|>',
  'https://intranet.example.com/hr/policies?id=12345&lang=en#section-4',
  'numbers 1234567890 3.14159 1,000,000 0xDEADBEEF',
];

describe('createTokenCounter', () => {
  it('counts exactly like js-tiktoken cl100k_base on prose, code, scripts and emoji', () => {
    const counter = createTokenCounter();
    for (const sample of SAMPLES) expect(counter.count(sample), sample).toBe(exact(sample));
  });

  it('counts exactly on random mixed text (a seeded fuzz against the reference)', () => {
    const counter = createTokenCounter();
    const alphabet = Array.from(
      'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 \n\t.,;:!?\'"()-_/@#&*äöüßéñ日本語中文한국어рус😀👍🏽\u00a0',
    );
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 500; i++) {
      const length = Math.floor(random() * 200);
      const text = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      expect(counter.count(text), JSON.stringify(text)).toBe(exact(text));
    }
  });

  it('counts long runs of letters exactly up to the slice size, and gives the same answer twice', () => {
    const counter = createTokenCounter();
    const run = 'qwertzuiopasdfghjklyxcvbnm'.repeat(100); // one 2,600-letter pre-token
    expect(counter.count(run)).toBe(exact(run));
    expect(counter.count(run)).toBe(counter.count(run));
  });

  it('copes with a multi-megabyte "word" (a base64 blob) without hanging', () => {
    const counter = createTokenCounter();
    const blob = Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => (i * 7919) % 251)).toString(
      'base64',
    );
    const count = counter.count(blob);
    // Base64 averages well under 4 characters per token and never more than one token per character.
    expect(count).toBeGreaterThan(blob.length / 4);
    expect(count).toBeLessThanOrEqual(blob.length);
  });
});
