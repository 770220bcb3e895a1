import { describe, expect, it } from 'vitest';
import { catalogueProblems } from './check-catalogues.ts';
import { readCatalogues } from './index.ts';

describe('catalogue check', () => {
  it('passes the catalogues as committed', () => {
    expect(catalogueProblems(readCatalogues())).toEqual([]);
  });

  it('fails on a key missing from the Korean catalogue, an extra key and a changed argument', () => {
    const problems = catalogueProblems({
      en: {
        'a.hello': 'Hello {name}',
        'a.bye': 'Bye',
        'a.wait': 'Wait {seconds, plural, one {# second} other {# seconds}}',
      },
      ko: { 'a.hello': '{user}님 안녕하세요', 'a.extra': '덤', 'a.wait': '{seconds}초 기다려 주세요' },
    });
    expect(problems).toEqual([
      'ko.json: missing "a.bye"',
      'ko.json: "a.hello" uses {user} where en uses {name}',
      'ko.json: "a.extra" is not in en.json',
    ]);
  });

  it('fails on a message that is not ICU MessageFormat', () => {
    const problems = catalogueProblems({ en: { 'a.b': 'fine' }, ko: { 'a.b': '{깨짐' } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^ko\.json: "a\.b" is not valid ICU MessageFormat/);
  });
});
