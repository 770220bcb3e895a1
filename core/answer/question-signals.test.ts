import { describe, expect, it } from 'vitest';
import { contentTerms } from '../text/index.ts';
import { negationMismatch, oppositeMismatch, personMismatch, substitutions } from './question-signals.ts';

describe('signals that a passage with the question’s words does not answer it', () => {
  it('sees a negation the passage lacks, in English and Korean', () => {
    const passage = 'A computational model such as the deterministic Turing machine is used.';
    expect(negationMismatch('What is not used for a precise definition?', passage)).toBe(1);
    expect(negationMismatch('What is used for a precise definition?', passage)).toBe(0);
    const 문장 = '재택근무는 주 2일까지 허용되며, 팀장의 승인을 받아야 한다.';
    expect(negationMismatch('재택근무에 팀장의 승인이 필요하지 않은 경우는?', 문장)).toBe(1);
    expect(negationMismatch('재택근무에 필요한 승인은 누구의 것인가?', 문장)).toBe(0);
  });

  it('sees a word swapped in the slot between two words the passage has, also across Korean word forms', () => {
    const passage = contentTerms(
      'A computational problem can be viewed as an infinite collection of instances.',
    );
    expect(
      substitutions(contentTerms('What can be viewed as a limited collection of instances?'), passage),
    ).toBe(1);
    expect(
      substitutions(contentTerms('What can be viewed as an infinite collection of instances?'), passage),
    ).toBe(0);
    const 문장 = contentTerms('섬진강은 전라북도 진안군 백운면의 데미샘에서 발원한다.');
    expect(substitutions(contentTerms('섬진강은 전라남도 진안군 어디에서 발원하는가?'), 문장)).toBe(1);
    expect(substitutions(contentTerms('섬진강은 전라북도 진안군의 어디에서 발원하는가?'), 문장)).toBe(0);
  });

  it('sees a word the passage has the opposite of, in English and Korean', () => {
    const passage =
      'Although time and space are the most well-known complexity resources, any measure can be one.';
    expect(oppositeMismatch('What are the least well known complexity resources?', passage)).toBe(1);
    expect(oppositeMismatch('What are the most well known complexity resources?', passage)).toBe(0);
    expect(oppositeMismatch('What is almost always used?', passage)).toBe(0);
    const 문장 = '서울 지하철 1호선은 1974년에 최초로 개통되었다.';
    expect(oppositeMismatch('최후로 개통된 노선은 무엇인가?', 문장)).toBe(1);
    expect(oppositeMismatch('최초로 개통된 노선은 무엇인가?', 문장)).toBe(0);
  });

  it('sees a "who" question asked of a passage that names nobody new', () => {
    expect(
      personMismatch('Who founded Northgate Freight?', 'Northgate Freight was founded in Rotterdam in 1971.'),
    ).toBe(0);
    expect(
      personMismatch(
        'Who founded Northgate Freight?',
        'The company was founded by Marijke de Vries in 1971.',
      ),
    ).toBe(0);
    expect(
      personMismatch('Who founded Northgate Freight?', 'The company began with two coastal vessels.'),
    ).toBe(1);
    expect(personMismatch('When was Northgate Freight founded?', 'The company began with two vessels.')).toBe(
      0,
    );
  });
});

describe('names the question gives that the passage lacks', () => {
  it('counts the share of the question’s names missing from the quoted sentence', async () => {
    const { missingNames } = await import('./question-signals.ts');
    const sentence = 'Herve served as a Byzantine general in the 1050s.';
    expect(missingNames('When did Herve serve as a Byzantine general?', sentence)).toBe(0);
    expect(missingNames('When did Robert Crispin serve as a Byzantine general?', sentence)).toBeCloseTo(
      2 / 3,
    );
    expect(missingNames('When did Herve fight alongside Robert?', sentence)).toBe(0.5);
    // Korean has no capitals: not judged.
    expect(missingNames('에르베는 언제 비잔티움 장군이었나?', sentence)).toBe(0);
  });
});
