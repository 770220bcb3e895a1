import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAi, startFakeOpenAi } from '../../tests/fakes/openai-server.ts';
import type { HistoryTurn } from '../ports.ts';
import { createHeuristicCondenser, createLlmCondenser, looksLikeFollowUp } from './condense.ts';

const history: HistoryTurn[] = [
  { question: 'How do I book a meeting room?', answer: 'Use the room planner [1].' },
  { question: 'How many vacation days do full-time employees get?', answer: 'They get 25 days a year [1].' },
];

describe('heuristic condenser', () => {
  const condenser = createHeuristicCondenser();

  it('recognises follow-ups', () => {
    expect(looksLikeFollowUp('What about interns?')).toBe(true);
    expect(looksLikeFollowUp('and for part-timers')).toBe(true);
    expect(looksLikeFollowUp('How do I request them?')).toBe(true);
    expect(looksLikeFollowUp('Can they be carried over to next year?')).toBe(true);
    expect(looksLikeFollowUp('How do I submit a travel expense report for a conference in Berlin?')).toBe(
      false,
    );
  });

  it("puts the previous question's content words in front of a follow-up", async () => {
    const condensed = await condenser.condense('What about interns?', history);
    expect(condensed).toBe('vacation days full time employees: What about interns?');
  });

  it('leaves a stand-alone question, or one without history, unchanged', async () => {
    const standalone = 'How do I submit a travel expense report for a conference in Berlin?';
    expect(await condenser.condense(standalone, history)).toBe(standalone);
    expect(await condenser.condense('What about interns?', [])).toBe('What about interns?');
  });

  it('reaches back past a previous follow-up', async () => {
    const condensed = await condenser.condense('And for contractors?', [
      ...history,
      { question: 'What about interns?', answer: 'Interns get 20 days [1].' },
    ]);
    expect(condensed).toContain('interns');
    expect(condensed).toContain('vacation');
    expect(condensed.endsWith('And for contractors?')).toBe(true);
  });
});

describe('LLM condenser', () => {
  let fake: FakeOpenAi;
  beforeEach(async () => {
    fake = await startFakeOpenAi();
  });
  afterEach(async () => {
    expect(fake.unexpected).toEqual([]);
    await fake.close();
  });

  const condenser = (timeoutMs = 5_000) =>
    createLlmCondenser({ baseUrl: fake.url, apiKey: 'k', model: 'condense-model', timeoutMs, maxRetries: 0 });

  it('rewrites a follow-up into a stand-alone question using the history', async () => {
    fake.script('condense-model', {
      reply: 'Stand-alone question: "How many vacation days do interns get?"',
    });
    expect(await condenser().condense('What about interns?', history)).toBe(
      'How many vacation days do interns get?',
    );
    const [request] = fake.chatRequests();
    const user = String(request?.messages.at(-1)?.content);
    expect(user).toContain('<question>How many vacation days do full-time employees get?</question>');
    expect(user).toContain('<answer>They get 25 days a year [1].</answer>');
    expect(user).toContain('Follow-up question: What about interns?');
    expect(request?.stream).not.toBe(true);
  });

  it('returns the question unchanged without calling the model when there is no history', async () => {
    expect(await condenser().condense('  What about interns? ', [])).toBe('What about interns?');
    expect(fake.requests).toEqual([]);
  });

  it('falls back to the heuristic when the model fails or hangs', async () => {
    fake.script('condense-model', { fail: { status: 500 } });
    expect(await condenser().condense('What about interns?', history)).toBe(
      'vacation days full time employees: What about interns?',
    );
    fake.script('condense-model', { hang: true });
    expect(await condenser(200).condense('What about interns?', history)).toBe(
      'vacation days full time employees: What about interns?',
    );
  });
});
