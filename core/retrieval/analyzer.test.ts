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
