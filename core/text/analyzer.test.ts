import { describe, expect, it } from 'vitest';
import { analyzeText, contentTerms, isStopword, normalizeWord } from './index.ts';

const overlap = (a: string, b: string) => {
  const mine = new Set(contentTerms(a));
  return contentTerms(b).filter((term) => mine.has(term));
};

describe('text analyzer', () => {
  it('strips Korean particles and endings so inflected forms meet', () => {
    expect(contentTerms('서울의 일비는 얼마인가요?')).toEqual(['서울', '일비']);
    expect(overlap('서울의 일비는 얼마인가요?', '서울 출장 일비는 하루 3만 원입니다.')).toEqual([
      '서울',
      '일비',
    ]);
    expect(normalizeWord('서울에서는')).toBe('서울');
    expect(normalizeWord('재직했나요')).toBe('재직');
    expect(normalizeWord('회사로부터')).toBe('회사');
    // A particle that also ends nouns is not stripped from a two-syllable word.
    expect(normalizeWord('나이')).toBe('나이');
    expect(normalizeWord('평가')).toBe('평가');
  });

  it('reads "2015년" as the year 2015 everywhere', () => {
    expect(contentTerms('2015년에 입사했다')).toEqual(['2015', '입사']);
    expect(overlap('2015년 매출', '매출은 2015 기준')).toEqual(['매출', '2015']);
  });

  it('indexes Korean words by their stem, or by character bigrams when asked', () => {
    const [token] = analyzeText('출장비는').tokens;
    expect(token?.term).toBe('출장비');
    expect(token?.indexTerms).toEqual(['출장비']);
    const [bigrams] = analyzeText('출장비는', { hangul: 'stem+bigrams' }).tokens;
    expect(bigrams?.indexTerms).toEqual(['출장비', '출장', '장비', '비는']);
  });

  it('finds a Japanese word inside a sentence written without spaces', () => {
    expect(contentTerms('東京への出張の日当はいくらですか')).toContain('出張');
    expect(overlap('出張の日当', '東京への出張の日当はいくらですか')).toEqual(['出張', '日', '当']);
    const terms = analyzeText('東京への出張の日当はいくらですか').tokens.flatMap((token) => token.indexTerms);
    expect(terms).toContain('日当');
    expect(contentTerms('出差到北京的每日津贴是多少')).toEqual(['出差', '到', '北京', '每日', '津贴']);
  });

  it('handles mixed Korean and English text', () => {
    expect(contentTerms('VPN 접속 방법')).toEqual(['vpn', '접속', '방법']);
    expect(contentTerms('Q3 매출 report를 VPN으로')).toEqual(['q', '3', '매출', 'report', 'vpn']);
  });

  it('keeps English stemming, stopwords and Greek words', () => {
    expect(contentTerms('The Vaccinations were running')).toEqual(['vaccin', 'run']);
    expect(isStopword('the')).toBe(true);
    expect(isStopword('및')).toBe(true);
    expect(isStopword('출장')).toBe(false);
    expect(contentTerms('TNF-α')).toEqual(['tnf', 'alpha']);
    expect(contentTerms('κωδικός πρόσβασης')).toEqual(['κωδικός', 'πρόσβασης']);
  });

  it('marks phrase starts after sentence punctuation, in Korean and Japanese too', () => {
    const tokens = analyzeText('서울 출장. 부산 출장。東京').tokens;
    expect(tokens.map((token) => token.phraseStart)).toEqual([false, false, true, false, true]);
  });
});
