import { describe, expect, it } from 'vitest';
import { answerMentions, detectable, expectedAnswerType, typedMentions } from './answer-type.ts';

describe('the kind of answer a question asks for', () => {
  it('reads English question words and head nouns', () => {
    expect(expectedAnswerType('When was the Duchy of Normandy founded?')).toBe('time');
    expect(expectedAnswerType('In what year did the cider press stop using steam?')).toBe('time');
    expect(expectedAnswerType('What century did the Normans gain their identity?')).toBe('time');
    expect(expectedAnswerType('How many vacation days do I get?')).toBe('quantity');
    expect(expectedAnswerType('What percentage of staff work remotely?')).toBe('quantity');
    expect(expectedAnswerType('Who ruled the duchy of Normandy?')).toBe('name');
    expect(expectedAnswerType('In what country is Normandy located?')).toBe('place');
    expect(expectedAnswerType('Where is the basement garage?')).toBe('place');
    expect(expectedAnswerType('What is the original meaning of the word Norman?')).toBeUndefined();
    // "when" as a conjunction asks for no date.
    expect(expectedAnswerType('When extensive time is required, what case is it?')).toBeUndefined();
  });

  it('reads Korean question words and the head noun a question ends with', () => {
    expect(expectedAnswerType('청운 도요지가 발견된 것은 언제인가?')).toBe('time');
    expect(expectedAnswerType('정도전이 진사시에 급제한 해는?')).toBe('time');
    expect(expectedAnswerType('뉘르부르크링이 공식인증을 받은 연도는?')).toBe('time');
    expect(expectedAnswerType('신입 사원은 연차를 몇 일 받나요?')).toBe('time');
    expect(expectedAnswerType('출장 일비는 얼마인가요?')).toBe('quantity');
    expect(expectedAnswerType('직원은 몇 명인가?')).toBe('quantity');
    expect(expectedAnswerType('섬진강은 어디에서 발원하는가?')).toBe('place');
    expect(expectedAnswerType('6세기 체스와 유사한 게임이 시작된 나라는?')).toBe('place');
    expect(expectedAnswerType('캐나다의 초대 수상은 누구인가?')).toBe('name');
    // 언제나 ("always") and 몇몇 ("some") ask for no date or number.
    expect(expectedAnswerType('심판이 언제나 볼 수 있어야 하는 것은?')).toBeUndefined();
    expect(expectedAnswerType('몇몇 주에서 시행되는 법은 무엇인가?')).toBeUndefined();
  });
});

describe('mentions of the kind asked for', () => {
  it('finds dates, years and centuries, not other numbers, in English', () => {
    const mentions = (text: string) => typedMentions(text, 'time').map((m) => m.text);
    expect(mentions('The duchy was founded in 911 by treaty.')).toEqual(['in 911']);
    expect(mentions('Leave expires on March 31, 2015 at the latest.')).toEqual(['March 31, 2015']);
    expect(mentions('It emerged in the first half of the 10th century.')).toEqual(['10th century']);
    expect(mentions('They served with the Byzantines in the 1050s.')).toEqual(['1050s']);
    expect(mentions('Passwords must be at least 14 characters long.')).toEqual([]);
  });

  it('finds dates and amounts in Korean by their units', () => {
    expect(typedMentions('1978년 농수로 공사 도중에 처음 발견되었다.', 'time').map((m) => m.text)).toEqual([
      '1978년',
    ]);
    expect(typedMentions('다음 해 3월 31일까지 이월할 수 있다.', 'time').map((m) => m.text)).toEqual([
      '3월',
      '31일',
    ]);
    expect(typedMentions('부장의 일비는 7만원이다.', 'quantity').map((m) => m.text)).toEqual(['7만원이다']);
    expect(typedMentions('직원 세 명이 참석했다.', 'quantity').map((m) => m.text)).toEqual(['세 명']);
    expect(typedMentions('출토된 백자에는 포도 무늬가 많다.', 'time')).toEqual([]);
  });

  it('does not count what the question already names', () => {
    const question = 'Who did Rollo sign the treaty of Saint-Clair-sur-Epte with?';
    const found = answerMentions(
      'Rollo signed the treaty of Saint-Clair-sur-Epte with King Charles III.',
      question,
      'name',
    );
    expect(found.map((m) => m.text)).toEqual(['King Charles III']);
    expect(answerMentions('In 1978 it was found.', 'What happened in 1978?', 'time')).toEqual([]);
  });

  it('judges Korean names not at all: no detector is better than a wrong one', () => {
    expect(detectable('name', '캐나다의 초대 수상은 누구인가?')).toBe(false);
    expect(detectable('time', '청운 도요지는 1978년에 발견되었다.')).toBe(true);
    expect(detectable('name', 'Who was the Norse leader?')).toBe(true);
  });
});

describe('time limits for deadline questions', () => {
  it('counts a period as the answer to "until when", not to "when did"', () => {
    const policy = '출장비는 귀국 후 2주 안에 정산합니다.';
    expect(answerMentions(policy, '출장비는 언제까지 정산하나요?', 'time').map((m) => m.text)).toEqual([
      '2주 안에',
    ]);
    expect(answerMentions(policy, '출장비 정산 제도가 생긴 것은 언제인가?', 'time')).toEqual([]);
    const english = 'Submit expense reports within 30 days, or by the end of the quarter.';
    expect(
      answerMentions(english, 'When must expense reports be submitted?', 'time').map((m) => m.text),
    ).toEqual(['30 days', 'end of the quarter']);
    expect(answerMentions(english, 'When did the expense policy start?', 'time')).toEqual([]);
  });
});
