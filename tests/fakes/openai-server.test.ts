import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAi, fakeEmbedding, startFakeOpenAi } from './openai-server.ts';

let fake: FakeOpenAi;

beforeEach(async () => {
  fake = await startFakeOpenAi();
});
afterEach(async () => {
  await fake.close();
});

const post = (path: string, body: unknown) =>
  fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test' },
    body: JSON.stringify(body),
  });

function sseEvents(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      expect(block.startsWith('data: ')).toBe(true);
      return block.slice('data: '.length);
    });
}

describe('fake OpenAI server', () => {
  it('streams chat.completion.chunk events, the usage chunk when asked, then [DONE]', async () => {
    fake.script('gpt-test', { reply: 'Twenty five days [1].' });
    const res = await post('/chat/completions', {
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: 'gpt-test' });
      expect(chunk.id).toMatch(/^chatcmpl-/);
      expect(typeof chunk.created).toBe('number');
    }
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Twenty five days [1].');
    const stop = chunks.find((c) => c.choices[0]?.finish_reason === 'stop');
    expect(stop.choices[0].delta).toEqual({});
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ completion_tokens: 4 });
    expect(usage.usage.total_tokens).toBe(usage.usage.prompt_tokens + 4);
  });

  it('sends no usage chunk unless include_usage is set, and answers non-streaming requests as JSON', async () => {
    const streamed = sseEvents(
      await (
        await post('/chat/completions', {
          model: 'm',
          messages: [{ role: 'user', content: 'x' }],
          stream: true,
        })
      ).text(),
    );
    expect(streamed.slice(0, -1).every((e) => JSON.parse(e).choices.length === 1)).toBe(true);

    const res = await post('/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    const body = await res.json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'This is the fake answer [1].' } }],
    });
    expect(body.usage.total_tokens).toBeGreaterThan(0);
  });

  it('fails the scripted number of times with the status and Retry-After, then succeeds', async () => {
    fake.script('m', { fail: { status: 429, times: 2, retryAfter: '3' } });
    const body = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
    const first = await post('/chat/completions', body);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect((await first.json()).error.message).toMatch(/rate limit/i);
    expect((await post('/chat/completions', body)).status).toBe(429);
    expect((await post('/chat/completions', body)).status).toBe(200);
  });

  it('uses one-shot behaviours before the standing one', async () => {
    fake.script('m', { reply: 'standing' });
    fake.scriptNext('m', { fail: { status: 500 } });
    const body = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
    expect((await post('/chat/completions', body)).status).toBe(500);
    expect((await (await post('/chat/completions', body)).json()).choices[0].message.content).toBe(
      'standing',
    );
  });

  it('encodes embeddings as encoding_format asks: floats, or little-endian float32 base64', async () => {
    const floats = await (
      await post('/embeddings', { model: 'e', input: ['alpha', 'beta'], dimensions: 4 })
    ).json();
    expect(floats.data.map((d: { embedding: number[] }) => d.embedding)).toEqual([
      fakeEmbedding('alpha', 4),
      fakeEmbedding('beta', 4),
    ]);
    expect(floats.usage.prompt_tokens).toBe(2);

    const base64 = await (
      await post('/embeddings', { model: 'e', input: 'alpha', dimensions: 4, encoding_format: 'base64' })
    ).json();
    const bytes = Buffer.from(base64.data[0].embedding, 'base64');
    const decoded = Array.from({ length: 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(fakeEmbedding('alpha', 4));
    expect(fake.requests.at(-1)?.vectors).toEqual([fakeEmbedding('alpha', 4)]);
  });

  it('answers 404 to an unknown path and records it as unexpected', async () => {
    const res = await post('/completions', { model: 'm', prompt: 'x' });
    expect(res.status).toBe(404);
    expect(fake.unexpected.map((r) => r.path)).toEqual(['/v1/completions']);
  });

  it('records every request with its parsed body', async () => {
    await post('/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'the prompt' }] });
    expect(fake.chatRequests()[0]?.messages[0]?.content).toBe('the prompt');
    expect(fake.requests[0]?.status).toBe(200);
  });
});
