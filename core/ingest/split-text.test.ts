import { describe, expect, it } from 'vitest';
import { splitSentences, splitToTokenLimit } from './split-text.ts';
import { createTokenCounter } from './tokens.ts';

describe('splitSentences', () => {
  it('splits at end punctuation before a capital, but not after abbreviations or initials', () => {
    expect(
      splitSentences(
        'Dr. Smith approved it, e.g. for travel. J. R. Doe disagreed! Was that right? "Yes," said HR. Fig. 2 shows it.',
      ),
    ).toEqual([
      'Dr. Smith approved it, e.g. for travel.',
      'J. R. Doe disagreed!',
      'Was that right?',
      '"Yes," said HR.',
      'Fig. 2 shows it.',
    ]);
  });

  it('does not split decimals or lowercase continuations, and splits CJK full stops', () => {
    expect(splitSentences('The rate is 3.5 percent. it continues')).toEqual([
      'The rate is 3.5 percent. it continues',
    ]);
    expect(splitSentences('休暇は二十五日です。申請はポータルで。')).toEqual([
      '休暇は二十五日です。',
      '申請はポータルで。',
    ]);
  });
});

describe('splitToTokenLimit', () => {
  const counter = createTokenCounter();

  it('cuts at word boundaries into runs within the limit, losing nothing', () => {
    const text = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const runs = splitToTokenLimit(text, 40, counter);
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) expect(counter.count(run)).toBeLessThanOrEqual(40);
    expect(runs.join(' ')).toBe(text);
  });

  it('cuts a word longer than the limit by characters', () => {
    const word = 'x9Qz'.repeat(500);
    const runs = splitToTokenLimit(`start ${word} end`, 50, counter);
    for (const run of runs) expect(counter.count(run)).toBeLessThanOrEqual(50);
    expect(runs.join('').replaceAll(' ', '')).toBe(`start${word}end`);
  });
});

describe('splitSentences in Korean', () => {
  it('ends a Korean sentence at its full stop, so chunks do not end mid-sentence', () => {
    expect(
      splitSentences(
        '반기문은 2007년 1월 1일 유엔 사무총장에 취임하였다. 그는 2016년까지 재임하였다. 이후 귀국하였다.',
      ),
    ).toEqual([
      '반기문은 2007년 1월 1일 유엔 사무총장에 취임하였다.',
      '그는 2016년까지 재임하였다.',
      '이후 귀국하였다.',
    ]);
  });
});
