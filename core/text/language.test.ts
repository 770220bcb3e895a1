import { describe, expect, it } from 'vitest';
import { detectLanguage } from './language.ts';

describe('detectLanguage', () => {
  it.each([
    ['서울의 일비는 얼마인가요?', 'ko'],
    ['VPN 접속 방법', 'ko'],
    ['Q3 매출 report 어디 있어?', 'ko'],
    ['大韓民國 憲法 제1조', 'ko'],
    ['東京への出張の日当はいくらですか', 'ja'],
    ['出差到北京的每日津贴是多少', 'zh'],
    ['How long must a password be?', 'en'],
    ['Wie lange muss ein Passwort sein?', 'en'],
    ['Какой длины должен быть пароль?', 'ru'],
  ] as const)('%s → %s', (text, language) => {
    expect(detectLanguage(text)).toBe(language);
  });

  it('has nothing to say about text without letters', () => {
    expect(detectLanguage('12345 ?!')).toBeUndefined();
    expect(detectLanguage('')).toBeUndefined();
  });
});
