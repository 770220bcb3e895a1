import { describe, expect, it } from 'vitest';
import { splitSentences } from './sentences.ts';

describe('splitSentences', () => {
  it('does not split at abbreviations, initials or decimals', () => {
    expect(
      splitSentences(
        'Dr. Smith approves leave, e.g. for travel, at 9 a.m. on Mondays. The rate is 3.5 days per month. ' +
          'See No. 5 for details. J. R. Tolkien agrees vs. the U.S. office.',
      ),
    ).toEqual([
      'Dr. Smith approves leave, e.g. for travel, at 9 a.m. on Mondays.',
      'The rate is 3.5 days per month.',
      'See No. 5 for details.',
      'J. R. Tolkien agrees vs. the U.S. office.',
    ]);
  });

  it('ends sentences at ! and ?, and at "no." when no number follows', () => {
    expect(splitSentences('Is it allowed? The answer is no. Ask HR first!')).toEqual([
      'Is it allowed?',
      'The answer is no.',
      'Ask HR first!',
    ]);
  });

  it('keeps list items and headings apart and re-joins hard-wrapped lines', () => {
    expect(
      splitSentences(
        '# Annual leave\nYou get 25 days\nof leave per year.\n\n- Item one\n- Item two wraps\n  here\n1. Numbered',
      ),
    ).toEqual([
      'Annual leave',
      'You get 25 days of leave per year.',
      'Item one',
      'Item two wraps here',
      'Numbered',
    ]);
  });
});

describe('splitSentences in Korean', () => {
  it('splits Korean prose at each sentence end, keeping decimals and quotes whole', () => {
    expect(
      splitSentences(
        '연차 휴가는 매년 15일이 주어진다. 3년 이상 근무하면 2년마다 1일이 더해진다. 잔여 휴가는 1.5배로 정산한다.',
      ),
    ).toEqual([
      '연차 휴가는 매년 15일이 주어진다.',
      '3년 이상 근무하면 2년마다 1일이 더해진다.',
      '잔여 휴가는 1.5배로 정산한다.',
    ]);
  });
});
