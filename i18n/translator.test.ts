import { describe, expect, it } from 'vitest';
import { AVAILABLE_LOCALES, translatorFor } from './index.ts';
import { acceptedLanguages, createTranslator, negotiateLocale } from './translator.ts';

describe('translator', () => {
  it('has English and Korean catalogues', () => {
    expect(AVAILABLE_LOCALES).toEqual(expect.arrayContaining(['en', 'ko']));
  });

  it('picks the first wanted language that has a catalogue, by primary subtag', () => {
    expect(negotiateLocale(['ja', 'ko-KR', 'en-US'], ['en', 'ko'])).toBe('ko');
    expect(negotiateLocale([undefined, 'EN_gb'], ['en', 'ko'])).toBe('en');
    expect(negotiateLocale(['fr'], ['en', 'ko'])).toBeUndefined();
    expect(translatorFor(['fr'], 'ko').locale).toBe('ko');
  });

  it('formats plurals per language', () => {
    expect(translatorFor(['en']).t('chat.rateLimited', { seconds: 1 })).toContain('wait 1 second and');
    expect(translatorFor(['en']).t('chat.rateLimited', { seconds: 5 })).toContain('wait 5 seconds and');
    expect(translatorFor(['ko']).t('chat.rateLimited', { seconds: 5 })).toBe(
      '질문이 너무 빠르게 이어지고 있습니다. 5초 후에 다시 질문해 주세요.',
    );
  });

  it('falls back to English for a key a catalogue lacks', () => {
    const t = createTranslator('ko', { en: { 'x.y': 'Only English' }, ko: {} });
    expect(t.t('x.y' as never)).toBe('Only English');
  });
});

describe('acceptedLanguages', () => {
  it('orders by quality, then by position, and leaves out q=0, wildcards and garbage', () => {
    expect(acceptedLanguages('ko-KR,ko;q=0.9,en;q=0.8')).toEqual(['ko-KR', 'ko', 'en']);
    expect(acceptedLanguages('en;q=0.5, ko')).toEqual(['ko', 'en']);
    expect(acceptedLanguages('fr;q=0, *;q=0.1, <script>, ja')).toEqual(['ja']);
    expect(acceptedLanguages(undefined)).toEqual([]);
  });
});
