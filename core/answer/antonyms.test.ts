import { describe, expect, it } from 'vitest';
import { contentTerms } from '../text/index.ts';
import { antonymSwap, antonymsOf } from './antonyms.ts';
import pairs from './english-antonyms.json' with { type: 'json' };

const swap = (question: string, passage: string) =>
  antonymSwap(contentTerms(question), contentTerms(passage));

describe('English opposites (WordNet)', () => {
  it('holds thousands of pairs, with comparatives and superlatives, and no function words', () => {
    expect(pairs.length).toBeGreaterThan(3000);
    const words = new Set(pairs.flat());
    for (const word of ['increase', 'decrease', 'larger', 'smallest', 'permanent', 'impermanent']) {
      expect(words.has(word)).toBe(true);
    }
    for (const word of ['in', 'out', 'on', 'off', 'up', 'down']) expect(words.has(word)).toBe(false);
  });

  it('sees a question word whose opposite the passage has, in any inflection', () => {
    const passage = 'Sales increased sharply after the largest store opened in the north of the city.';
    expect(swap('Why did sales decrease after the store opened?', passage)).toBe(1);
    expect(swap('When did the smallest store open?', passage)).toBe(1);
    expect(swap('Why did sales increase after the largest store opened?', passage)).toBe(0);
    expect(antonymsOf(contentTerms('decreases')[0] ?? '')).toContain(contentTerms('increase')[0]);
  });

  it('does not fire when the passage holds both words, or for words without opposites', () => {
    const passage = 'Small teams may become larger after six months.';
    expect(swap('When may small teams become larger?', passage)).toBe(0);
    expect(swap('Who approves the budget?', passage)).toBe(0);
    // A choice between the two is not a swap.
    expect(swap('Do small teams stay small or become larger?', passage)).toBe(0);
    expect(
      swap('Is a problem instance abstract or concrete?', 'A problem instance is an abstract question.'),
    ).toBe(0);
  });

  it('leaves Korean alone: its opposites are in the hand-made list', () => {
    expect(swap('최후로 개통된 노선은 무엇인가?', '1974년 최초로 개통된 노선은 1호선이다.')).toBe(0);
  });
});
