import { describe, expect, it } from 'vitest';
import type { AnswerEvent, Answerer, AnswerInput } from '../ports.ts';
import { DONT_KNOW_ANSWER, dontKnowAnswerFor } from './answer-text.ts';
import {
  createExtractiveAnswerer,
  EXTRACTIVE_MODEL,
  extractAnswer,
  looksLikeCode,
  MAX_ANSWER_CHARS,
} from './extractive-answerer.ts';
import { buildChunk } from './testing/build-chunk.ts';

async function collect(answerer: Answerer, input: AnswerInput): Promise<AnswerEvent[]> {
  const events: AnswerEvent[] = [];
  for await (const event of answerer.answer(input)) events.push(event);
  return events;
}

async function answer(input: AnswerInput) {
  const events = await collect(createExtractiveAnswerer(), input);
  const last = events.at(-1);
  if (last?.type !== 'done') throw new Error('no done event');
  // What was streamed is what is stored.
  expect(events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('')).toBe(last.text);
  return last;
}

const office = buildChunk({
  title: 'Office guide',
  text: 'The office is open from 8am to 6pm on weekdays. Visitors must sign in at reception. Parking is available in the basement garage.',
});
const leave = buildChunk({
  title: 'Leave policy',
  text:
    'Annual leave is planned with your manager. Full-time employees receive 25 vacation days per calendar year. ' +
    'Unused vacation days can be carried over until March 31 of the following year. Sick leave is unlimited with a doctor’s note.',
});
const security = buildChunk({
  title: 'IT Security Policy',
  headingPath: ['IT Security Policy', 'Passwords'],
  text:
    'IT Security Policy\n\nPasswords\n\nPasswords must be at least 14 characters long. They expire every 90 days.\n\n' +
    '| variable | default | what |\n| SHUTDOWN_GRACE_MS | 25000 | on SIGTERM, how long to wait |',
});
const 연차 = buildChunk({
  title: '연차 휴가 규정',
  text:
    '정규직 직원은 입사 첫해에 매월 1일씩 최대 11일의 연차를 받는다. 1년 이상 근무한 직원에게는 매년 15일의 연차가 주어진다. ' +
    '사용하지 못한 연차는 다음 해 3월 31일까지 이월할 수 있다.',
});
const 비밀번호 = buildChunk({
  title: '비밀번호 정책',
  text: '모든 업무용 계정의 비밀번호는 14자 이상이어야 한다. 로그인에 5번 연속 실패하면 계정이 30분 동안 잠긴다.',
});

describe('extractive answerer', () => {
  it('answers an English question with the one sentence that answers it, cited [1]', async () => {
    const result = await answer({
      question: 'How many vacation days do I get per year?',
      context: [office, leave],
    });
    expect(result.text).toBe('Full-time employees receive 25 vacation days per calendar year. [1]');
    expect(result).toMatchObject({ cited: [2], answered: true, model: EXTRACTIVE_MODEL });
  });

  it('quotes the sentence, never the run-in headings or a table row around it', async () => {
    const result = await answer({ question: 'How long must a password be?', context: [security, leave] });
    expect(result.text).toBe('Passwords must be at least 14 characters long. [1]');
    expect(result.cited).toEqual([1]);
  });

  it('answers a Korean question from a Korean paragraph, one sentence, cited [1]', async () => {
    const result = await answer({
      question: '1년 이상 근무한 직원은 연차를 며칠 받나요?',
      context: [비밀번호, 연차],
    });
    expect(result.text).toBe('1년 이상 근무한 직원에게는 매년 15일의 연차가 주어진다. [1]');
    expect(result).toMatchObject({ cited: [2], answered: true });
  });

  it('matches Korean words whatever particle they carry', async () => {
    const result = await answer({
      question: '계정의 비밀번호는 몇 자 이상이어야 하나요?',
      context: [연차, 비밀번호],
    });
    expect(result.text).toBe('모든 업무용 계정의 비밀번호는 14자 이상이어야 한다. [1]');
  });

  it('cuts a long sentence to the clauses that answer', async () => {
    const long = buildChunk({
      text:
        'The Steelyard, which stood on the north bank of the Thames near what is now Cannon Street station, ' +
        'was governed by its own alderman, its merchants lived unmarried inside the walled compound, ' +
        'and its privileges, first granted by Edward I in 1303, were revoked by Elizabeth I in 1598, ' +
        'after which the community slowly dwindled until the Great Fire of London destroyed the site in 1666.',
    });
    const result = await answer({
      question: 'Who revoked the privileges of the Steelyard?',
      context: [long],
    });
    expect(result.answered).toBe(true);
    expect(result.text).toContain('revoked by Elizabeth I in 1598');
    expect(result.text.length).toBeLessThanOrEqual(MAX_ANSWER_CHARS + ' [1]'.length);
  });

  it('declines in English when the context is empty or does not cover the question', async () => {
    for (const [question, context] of [
      ['How many vacation days?', []],
      ['What is the capital of France?', [office, leave]],
      ['Which laptop models does IT support for engineers?', [office, leave]],
    ] as const) {
      const result = await answer({ question, context });
      expect(result).toMatchObject({ text: DONT_KNOW_ANSWER, answered: false, cited: [] });
    }
  });

  it('declines in Korean, in Korean, when the documents are silent', async () => {
    for (const question of ['출장 중 식비는 하루에 얼마까지 지원되나요?', '프랑스의 수도는 어디인가?']) {
      const result = await answer({ question, context: [연차, 비밀번호] });
      expect(result).toMatchObject({ text: dontKnowAnswerFor(question), answered: false, cited: [] });
      expect(result.text).toBe('열람하실 수 있는 문서에서 이 내용을 찾지 못했습니다.');
    }
  });

  it('declines a question that reuses the paragraph’s words but asks about something else', async () => {
    const result = await answer({
      question: 'How many vacation days do contractors receive in the Berlin office?',
      context: [leave, office],
    });
    expect(result.answered).toBe(false);
  });

  it('declines a question that negates what the paragraph says, in English and Korean', async () => {
    const english = await answer({
      question: 'How many vacation days do full-time employees not receive per calendar year?',
      context: [leave, office],
    });
    expect(english.answered).toBe(false);
    const korean = await answer({
      question: '1년 이상 근무한 직원에게 주어지지 않는 연차는 며칠인가?',
      context: [연차],
    });
    expect(korean).toMatchObject({
      answered: false,
      text: '열람하실 수 있는 문서에서 이 내용을 찾지 못했습니다.',
    });
  });

  it('declines an English question that swaps a word of the sentence for its opposite, and answers the original', async () => {
    const travel = buildChunk({
      title: 'Travel policy',
      text: 'Senior managers may book business class on flights longer than six hours. All other staff fly economy. Taxis are refunded only with a receipt.',
    });
    const original = await answer({
      question: 'Who may book business class on flights longer than six hours?',
      context: [travel],
    });
    expect(original).toMatchObject({ answered: true, cited: [1] });
    expect(original.text).toContain('Senior managers may book business class');
    // WordNet's opposites, not only the short hand-made list: junior/senior, shorter/longer, paid/unpaid.
    for (const question of [
      'What class may junior managers book on flights longer than six hours?',
      'Who may book business class on flights shorter than six hours?',
    ]) {
      expect(extractAnswer(question, [travel])?.features.opposite).toBe(1);
      expect(await answer({ question, context: [travel] })).toMatchObject({
        answered: false,
        text: DONT_KNOW_ANSWER,
      });
    }
  });

  it('matches a Korean question to its sentence by word stems, not whole words', async () => {
    const 도요지 = buildChunk({
      title: '청운 도요지',
      text:
        '청운 도요지는 충청남도 보령군에 있는 조선 후기의 백자 가마터이다. 1978년 농수로 공사 도중에 처음 발견되었다. ' +
        '출토된 백자에는 철화로 그린 포도 무늬가 많다.',
    });
    const result = await answer({ question: '청운 도요지가 발견된 것은 몇 년인가?', context: [도요지] });
    expect(result).toMatchObject({ answered: true, cited: [1] });
    expect(result.text).toContain('1978년');
    expect(result.text).not.toContain('포도 무늬');
  });

  it('quotes the next sentence too when the question’s words run on into it, still short', async () => {
    const press = buildChunk({
      title: 'Aldern cider press',
      text:
        'The Aldern cider press was built in 1902 to take the windfall apples. It was driven by a steam engine until 1937. ' +
        'At its peak it produced around 90,000 litres of cider a year.',
    });
    const result = await answer({
      question: 'Until what year was the Aldern cider press driven by steam?',
      context: [press],
    });
    expect(result).toMatchObject({ answered: true, cited: [1] });
    expect(result.text).toBe(
      'The Aldern cider press was built in 1902 to take the windfall apples. It was driven by a steam engine until 1937. [1]',
    );
    expect(result.text.length).toBeLessThanOrEqual(MAX_ANSWER_CHARS + 4);
  });

  it('declines a "when" question whose only matching sentence holds no date, in English and Korean', async () => {
    const orchard = buildChunk({
      title: 'Hollin orchard',
      text:
        'The Hollin orchard grows cider apples on the south slope above the village. ' +
        'Its trees are pruned by volunteers every winter.',
    });
    const english = await answer({ question: 'When was the Hollin orchard planted?', context: [orchard] });
    expect(english).toMatchObject({ answered: false, cited: [] });
    const 과수원 = buildChunk({
      title: '홀린 과수원',
      text: '홀린 과수원은 마을 위 남쪽 비탈에서 사과를 재배한다. 과수원의 나무는 매년 겨울 자원봉사자들이 가지치기를 한다.',
    });
    const korean = await answer({
      question: '홀린 과수원이 사과를 재배하기 시작한 것은 언제인가?',
      context: [과수원],
    });
    expect(korean).toMatchObject({ answered: false, text: dontKnowAnswerFor('언제인가?') });
  });

  it('answers a deadline question with the time limit a policy gives, in English and Korean', async () => {
    const expenses = buildChunk({
      title: '출장 규정',
      text: '출장비는 귀국 후 2주 안에 정산합니다. 숙박비는 1박에 15만원까지 지원합니다.',
    });
    const korean = await answer({ question: '출장비는 언제까지 정산하나요?', context: [expenses] });
    expect(korean).toMatchObject({ answered: true, cited: [1] });
    expect(korean.text).toContain('귀국 후 2주 안에 정산합니다');
    const reports = buildChunk({
      title: 'Expense policy',
      text: 'Employees submit expense reports within 30 days of returning. Hotels are paid up to 150 dollars a night.',
    });
    const english = await answer({ question: 'When must expense reports be submitted?', context: [reports] });
    expect(english).toMatchObject({ answered: true, cited: [1] });
    expect(english.text).toContain('within 30 days');
    // A question for the date something happened still wants a date, not a period.
    const orchard = buildChunk({
      title: 'Hollin orchard',
      text: 'The Hollin orchard was replanted over three years by volunteers from the village.',
    });
    const when = await answer({ question: 'When was the Hollin orchard replanted?', context: [orchard] });
    expect(when.answered).toBe(false);
  });

  it('quotes the sentence that holds a date for a "when" question, in English and Korean', async () => {
    const orchard = buildChunk({
      title: 'Hollin orchard',
      text:
        'The Hollin orchard grows cider apples on the south slope above the village. ' +
        'The orchard was planted by the parish in 1884 on former grazing land. ' +
        'Its trees are pruned by volunteers every winter.',
    });
    const english = await answer({ question: 'When was the Hollin orchard planted?', context: [orchard] });
    expect(english).toMatchObject({ answered: true, cited: [1] });
    expect(english.text).toContain('The orchard was planted by the parish in 1884');
    expect(english.text).not.toContain('pruned');
    const 과수원 = buildChunk({
      title: '홀린 과수원',
      text:
        '홀린 과수원은 마을 위 남쪽 비탈에서 사과를 재배한다. 과수원은 1884년 옛 목초지에 처음 사과나무를 심었다. ' +
        '과수원의 나무는 매년 겨울 자원봉사자들이 가지치기를 한다.',
    });
    const korean = await answer({
      question: '홀린 과수원이 사과나무를 처음 심은 것은 언제인가?',
      context: [과수원],
    });
    expect(korean).toMatchObject({ answered: true, cited: [1] });
    expect(korean.text).toContain('1884년');
  });

  it('quotes the sentence with an amount for a "how many" question over one that only shares its words', async () => {
    const staff = buildChunk({
      title: 'Berlin office',
      text:
        'The Berlin office hosts the support team for German-speaking customers. ' +
        'The support team in Berlin has 42 engineers on two floors.',
    });
    const english = await answer({
      question: 'How many engineers does the Berlin support team have?',
      context: [staff],
    });
    expect(english.text).toBe('The support team in Berlin has 42 engineers on two floors. [1]');
    const 지사 = buildChunk({
      title: '부산 지사',
      text: '부산 지사는 영남 지역 고객의 기술 지원을 맡는다. 부산 지사의 기술 지원팀에는 엔지니어 17명이 근무한다.',
    });
    const korean = await answer({
      question: '부산 지사 기술 지원팀의 엔지니어는 몇 명인가?',
      context: [지사],
    });
    expect(korean).toMatchObject({ answered: true, cited: [1] });
    expect(korean.text).toContain('17명');
  });

  it('declines an English question giving a year the quoted sentence does not hold', async () => {
    const policy = buildChunk({
      title: 'Expense policy',
      text:
        'The expense policy was rewritten by Dana Whitfield in 2019. It covers travel, meals and client gifts. ' +
        'The finance team reviewed the travel rules again in 2022.',
    });
    const asked = await answer({ question: 'Who rewrote the expense policy in 2019?', context: [policy] });
    expect(asked).toMatchObject({ answered: true, cited: [1] });
    expect(asked.text).toContain('Dana Whitfield');
    const other = await answer({ question: 'Who rewrote the expense policy in 2021?', context: [policy] });
    expect(other).toMatchObject({ answered: false, cited: [] });
  });

  it('does not take a number glued to a name ("Q3") for a number the passage must hold', async () => {
    const budget = buildChunk({
      title: 'Travel budget',
      text: 'The third-quarter travel budget of the Hanoi office is 42,000 dollars. Flights are booked through the agency.',
    });
    const asked = await answer({
      question: 'What is the Q3 travel budget of the Hanoi office?',
      context: [budget],
    });
    expect(asked).toMatchObject({ answered: true, cited: [1] });
    expect(asked.text).toContain('42,000 dollars');
  });

  it('counts a Korean question’s year against the quoted sentence, not the whole chunk', () => {
    // Korean articles often give the year in a sentence before the one that answers, so the mismatch only
    // lowers the probability (measured on qa-ko's tuning slice, a hard rule lost answers and saved none).
    const 규정 = buildChunk({
      title: '경비 규정',
      text:
        '경비 규정은 2019년 김하늘 팀장이 전면 개정하였다. 규정은 출장비, 식비, 접대비를 다룬다. ' +
        '재무팀은 2021년에 출장 규칙을 다시 검토하였다.',
    });
    const 맞는해 = extractAnswer('2019년 경비 규정을 전면 개정한 사람은 누구인가?', [규정]);
    const 다른해 = extractAnswer('2021년 경비 규정을 전면 개정한 사람은 누구인가?', [규정]);
    expect(맞는해).toMatchObject({ answered: true, n: 1 });
    expect(맞는해?.text).toContain('김하늘');
    expect(맞는해?.features.numberMismatch).toBe(0);
    // 2021 is in the chunk, but not in the sentence that names who revised the rules.
    expect(다른해?.features.numberMismatch).toBe(1);
    expect(다른해?.probability ?? 1).toBeLessThan(맞는해?.probability ?? 0);
  });

  it('prefers the better-ranked chunk when two chunks say the same thing', async () => {
    const text = 'Employees receive 25 vacation days per year.';
    const result = await answer({
      question: 'How many vacation days per year?',
      context: [buildChunk({ text }), buildChunk({ text })],
    });
    expect(result.cited).toEqual([1]);
    expect(result.text).toBe(`${text} [1]`);
  });
});

describe('code is not quoted as an answer', () => {
  it('recognises shell commands and JSON but not prose', () => {
    expect(looksLikeCode('npm run ask -- "How many vacation days do I get?" # streamed answer')).toBe(true);
    expect(looksLikeCode('curl -s localhost:3000/api/v1/ask -H "authorization: Bearer $KEY"')).toBe(true);
    expect(looksLikeCode('{"question":"How do I add documents?"}')).toBe(true);
    expect(looksLikeCode('Full-time employees receive 28 vacation days per year.')).toBe(false);
    expect(
      looksLikeCode('Submit expense reports within 30 days, with receipts attached, through the portal.'),
    ).toBe(false);
  });
});
