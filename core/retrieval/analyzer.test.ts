import { describe, expect, it } from 'vitest';
import {
  analyzeDocument,
  analyzeQuery,
  createAnalyzer,
  DEFAULT_ANALYZER_OPTIONS,
  textForIndexing,
} from './analyzer.ts';

const termsOf = (text: string) =>
  [...analyzeDocument(text).terms.keys()].filter((term) => !term.includes(' '));

describe('analyzer', () => {
  it('lowercases, drops stopwords and stems with Porter', () => {
    expect(termsOf('The Vaccinations of the children were running')).toEqual(['vaccin', 'children', 'run']);
    expect(analyzeDocument('The Vaccinations of the children were running').length).toBe(3);
  });

  it('indexes a UUID or a hash whole, so a pasted ID finds its row and its fragments fill no vocabulary', () => {
    const row =
      'b9e2b9de-dc63-41bf-a1aa-ee15becf87ba,인사팀,2026-01-01,5115870,해시 d41d8cd98f00b204e9800998ecf8427e 확인';
    const doc = analyzeDocument(row);
    const terms = [...doc.terms.keys()];
    const query = analyzeQuery('b9e2b9de-dc63-41bf-a1aa-ee15becf87ba 주문은 어디 있나요?').map((q) => q.term);
    // The ID the employee pastes is the term the row stored.
    expect(query.filter((term) => doc.terms.has(term))).toEqual(['b9e2b9dedc6341bfa1aaee15becf87ba']);
    expect(doc.terms.has(analyzeQuery('d41d8cd98f00b204e9800998ecf8427e')[0]!.term)).toBe(true);
    // No "b", "9", "e2", "dc 63": a UUID gave ~20 fragment terms and as many pairs, most of a CSV's vocabulary.
    for (const fragment of ['b', '9', 'dc', '63', 'ee', 'd41', 'b204', 'dc 63', 'ba 인사팀']) {
      expect(terms, fragment).not.toContain(fragment);
    }
    // The Korean words, the date and the amount beside it are indexed as before.
    for (const term of ['인사팀', '2026', '20260101', '5115870', '해시', '확인']) {
      expect(terms, term).toContain(term);
    }
    // Codes people write stay split and joined as before.
    expect(termsOf('h1n1 iso-27001-2022 covid-19')).toEqual(
      expect.arrayContaining(['h', 'n', 'h1n1', 'iso', '27001', '2022', 'iso270012022', 'covid', '19']),
    );
  });

  it('keeps compounds, codes and numbers matchable however they are written', () => {
    const doc = analyzeDocument('IL-6 and COVID-19 raise TNF-α; 2.5% of H1N1 cases');
    for (const term of [
      'il',
      '6',
      'il6',
      'covid',
      '19',
      'covid19',
      'tnf',
      'alpha',
      'tnfalpha',
      '2.5',
      'h1n1',
    ]) {
      expect(doc.terms.has(term), term).toBe(true);
    }
    const query = analyzeQuery('il6 covid19 TNF-alpha');
    const weights = new Map(query.map(({ term, weight }) => [term, weight]));
    expect(weights.get('il')).toBe(1);
    expect(weights.get('6')).toBe(1);
    expect(weights.get('il6')).toBeGreaterThan(0);
    expect(weights.get('tnfalpha')).toBeGreaterThan(0);
  });

  it('handles non-English letters and drops possessives', () => {
    expect(termsOf('Müller’s café in Zürich')).toEqual(['müller', 'café', 'zürich']);
    expect(termsOf('日本語 テキスト')).toEqual([
      '日本語',
      '日本',
      '本語',
      'テキスト',
      'テキ',
      'キス',
      'スト',
    ]);
  });

  it('adds adjacent-word bigrams that never cross sentence punctuation', () => {
    const doc = analyzeDocument('Insulin resistance rises. Glucose falls');
    expect(doc.terms.get('insulin resist')).toBe(1);
    expect(doc.terms.has('rise glucos')).toBe(false);
    expect(doc.terms.get('glucos fall')).toBe(1);
    // Bigrams are extra terms: the length counts words only.
    expect(doc.length).toBe(5);
    const query = analyzeQuery('insulin resistance');
    expect(query).toContainEqual({ term: 'insulin resist', weight: DEFAULT_ANALYZER_OPTIONS.bigramWeight });
  });

  it('sums repeated query words into one weighted term', () => {
    const query = createAnalyzer({ bigrams: false }).analyzeQuery('salary salary policy');
    expect(query).toEqual([
      { term: 'salari', weight: 2 },
      { term: 'polici', weight: 1 },
    ]);
  });

  it('indexes the title (twice, a BM25 boost) and the section path before the chunk text', () => {
    expect(textForIndexing({ title: 'Handbook', headingPath: ['Handbook', 'Leave'], text: 'Body.' })).toBe(
      'Handbook\nHandbook\nLeave\nBody.',
    );
    expect(textForIndexing({ title: '', headingPath: [], text: 'Body.' })).toBe('Body.');
  });
});
