import { describe, expect, it } from 'vitest';
import type { AnswerEvent, Answerer, AnswerInput } from '../ports.ts';
import { DONT_KNOW_ANSWER } from './answer-text.ts';
import { createExtractiveAnswerer, EXTRACTIVE_MODEL } from './extractive-answerer.ts';
import { buildChunk } from './testing/build-chunk.ts';

async function collect(answerer: Answerer, input: AnswerInput): Promise<AnswerEvent[]> {
  const events: AnswerEvent[] = [];
  for await (const event of answerer.answer(input)) events.push(event);
  return events;
}

function done(events: AnswerEvent[]) {
  const last = events.at(-1);
  if (last?.type !== 'done') throw new Error('no done event');
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
const expenses = buildChunk({
  title: 'Expenses',
  text: 'Travel expenses are reimbursed within 30 days. Receipts must be uploaded to the expense tool.',
});

describe('extractive answerer', () => {
  it('quotes the sentence that answers the question and cites its chunk', async () => {
    const events = await collect(createExtractiveAnswerer(), {
      question: 'How many vacation days do I get per year?',
      context: [office, leave, expenses],
    });
    const result = done(events);
    expect(
      result.text.startsWith('Full-time employees receive 25 vacation days per calendar year. [2]'),
    ).toBe(true);
    expect(result.cited).toEqual([2]);
    expect(result).toMatchObject({
      answered: true,
      model: EXTRACTIVE_MODEL,
      usage: { promptTokens: 0, completionTokens: 0 },
    });
    expect(result.text).not.toContain('Parking');
  });

  it('streams sentence by sentence, each followed by its citation, and the deltas add up to the text', async () => {
    const events = await collect(createExtractiveAnswerer(), {
      question: 'Where can visitors park and when is the office open?',
      context: [leave, office],
    });
    const deltas = events.filter((e) => e.type === 'delta').map((e) => e.text);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(done(events).text);
    for (const delta of deltas) expect(delta).toMatch(/[.!?] \[\d\]$/);
    expect(done(events).cited).toEqual([2]);
    expect(done(events).text).toContain('Parking is available in the basement garage. [2]');
    expect(done(events).text).toContain('The office is open from 8am to 6pm on weekdays. [2]');
  });

  it('cites each chunk it quotes, in order of first citation', async () => {
    const result = done(
      await collect(createExtractiveAnswerer(), {
        question: 'Are travel expenses reimbursed, and can unused vacation days be carried over?',
        context: [expenses, leave],
      }),
    );
    expect(result.cited).toEqual([...new Set(result.cited)]);
    expect(new Set(result.cited)).toEqual(new Set([1, 2]));
    expect(result.text).toContain('Travel expenses are reimbursed within 30 days. [1]');
    expect(result.text).toContain('carried over until March 31 of the following year. [2]');
  });

  it('says it does not know when the context is empty', async () => {
    const events = await collect(createExtractiveAnswerer(), {
      question: 'How many vacation days?',
      context: [],
    });
    expect(events).toEqual([
      { type: 'delta', text: DONT_KNOW_ANSWER },
      {
        type: 'done',
        text: DONT_KNOW_ANSWER,
        cited: [],
        answered: false,
        model: EXTRACTIVE_MODEL,
        usage: { promptTokens: 0, completionTokens: 0 },
      },
    ]);
  });

  it('says it does not know when the context does not cover the question', async () => {
    for (const question of [
      'What is the capital of France?',
      'Which laptop models does IT support for engineers?',
    ]) {
      const result = done(
        await collect(createExtractiveAnswerer(), { question, context: [office, leave, expenses] }),
      );
      expect(result).toMatchObject({ text: DONT_KNOW_ANSWER, answered: false, cited: [] });
    }
  });

  it('prefers the better-ranked chunk when two chunks say the same thing', async () => {
    const text = 'Employees receive 25 vacation days per year.';
    const result = done(
      await collect(createExtractiveAnswerer(), {
        question: 'vacation days per year',
        context: [buildChunk({ text }), buildChunk({ text })],
      }),
    );
    expect(result.cited).toEqual([1]);
    expect(result.text).toBe(`${text} [1]`);
  });

  it('quotes at most maxSentences sentences', async () => {
    const many = buildChunk({
      text: 'Vacation days are 25. Vacation days are booked in the tool. Vacation days expire in March. Vacation days need approval.',
    });
    const result = done(
      await collect(createExtractiveAnswerer({ maxSentences: 1 }), {
        question: 'vacation days',
        context: [many],
      }),
    );
    expect(result.text.match(/\[\d\]/g)).toHaveLength(1);
  });
});

describe('code is not quoted as an answer', () => {
  it('recognises shell commands and JSON but not prose', async () => {
    const { looksLikeCode } = await import('./extractive-answerer.ts');
    expect(looksLikeCode('npm run ask -- "How many vacation days do I get?" # streamed answer')).toBe(true);
    expect(looksLikeCode('curl -s localhost:3000/api/v1/ask -H "authorization: Bearer $KEY"')).toBe(true);
    expect(looksLikeCode('{"question":"How do I add documents?"}')).toBe(true);
    expect(looksLikeCode('Full-time employees receive 28 vacation days per year.')).toBe(false);
    expect(
      looksLikeCode('Submit expense reports within 30 days, with receipts attached, through the portal.'),
    ).toBe(false);
  });
});
