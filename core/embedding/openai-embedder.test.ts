import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAi, fakeEmbedding, startFakeOpenAi } from '../../tests/fakes/openai-server.ts';
import { AppError } from '../errors.ts';
import { createOpenAiEmbedder, type OpenAiEmbedderOptions } from './openai-embedder.ts';

let fake: FakeOpenAi;

beforeEach(async () => {
  fake = await startFakeOpenAi({ apiKey: 'sk-test' });
});
afterEach(async () => {
  expect(fake.unexpected).toEqual([]);
  await fake.close();
});

const embedder = (overrides: Partial<OpenAiEmbedderOptions> = {}) =>
  createOpenAiEmbedder({
    baseUrl: fake.url,
    apiKey: 'sk-test',
    model: 'text-embedding-3-small',
    dimensions: 16,
    batchSize: 2,
    retryBaseDelayMs: 1,
    ...overrides,
  });

const texts = ['vacation days', 'travel expenses', 'parking', 'sick leave', 'meeting rooms'];

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('OpenAI-compatible embedder', () => {
  it('embeds in batches of batchSize and keeps the order', async () => {
    const vectors = await embedder().embedDocuments(texts);
    expect(fake.embeddingRequests().map((r) => r.input)).toEqual([
      ['vacation days', 'travel expenses'],
      ['parking', 'sick leave'],
      ['meeting rooms'],
    ]);
    expect(vectors).toEqual(texts.map((t) => fakeEmbedding(t, 16)));
  });

  it('decodes the base64 float32 vectors the SDK asks for into what the server sent', async () => {
    const vector = await embedder().embedQuery('How many vacation days?');
    const [request] = fake.requests;
    expect(request?.body).toMatchObject({
      encoding_format: 'base64',
      dimensions: 16,
      model: 'text-embedding-3-small',
    });
    expect(Array.isArray(vector)).toBe(true);
    expect(vector).toEqual(request?.vectors?.[0]);
    expect(vector).toEqual(fakeEmbedding('How many vacation days?', 16));
  });

  it('names its model after the endpoint model and the requested dimensions', () => {
    expect(embedder()).toMatchObject({ model: 'openai:text-embedding-3-small@16', dimensions: 16 });
    expect(embedder({ dimensions: undefined })).toMatchObject({
      model: 'openai:text-embedding-3-small',
      dimensions: 1536,
    });
  });

  it('learns the dimensions of an unknown model from its first response', async () => {
    const e = embedder({ model: 'nomic-embed-text', dimensions: undefined });
    expect(e.dimensions).toBe(0);
    await e.embedQuery('x');
    expect(e.dimensions).toBe(8);
    expect(fake.embeddingRequests()[0]).not.toHaveProperty('dimensions');
  });

  it('retries a 429 after the Retry-After delay, then succeeds', async () => {
    fake.script('text-embedding-3-small', { fail: { status: 429, times: 1, retryAfter: '1' } });
    const vectors = await embedder().embedDocuments(['a', 'b']);
    expect(vectors).toEqual([fakeEmbedding('a', 16), fakeEmbedding('b', 16)]);
    const [first, second] = fake.requests;
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('retries 5xx with backoff up to maxRetries', async () => {
    fake.script('text-embedding-3-small', { fail: { status: 503, times: 2 } });
    expect(await embedder().embedQuery('a')).toEqual(fakeEmbedding('a', 16));
    expect(fake.requests.map((r) => r.status)).toEqual([503, 503, 200]);

    fake.script('text-embedding-3-small', { fail: { status: 500 } });
    const error = await failure(embedder({ maxRetries: 2 }).embedQuery('a'));
    expect(error.code).toBe('upstream_unavailable');
    expect(error.details).toMatchObject({ status: 500, attempts: 3 });
  });

  it('does not retry a 400', async () => {
    fake.script('text-embedding-3-small', { fail: { status: 400, message: "'$.input' is invalid." } });
    const error = await failure(embedder().embedDocuments(['a']));
    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toMatch(/HTTP 400/);
    expect(fake.requests).toHaveLength(1);
  });

  it('rejects vectors of the wrong length', async () => {
    fake.script('text-embedding-3-small', { vectorLength: 12 });
    const error = await failure(embedder().embedQuery('a'));
    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toMatch(/12 dimensions, expected 16/);
  });

  it('gives up on a Retry-After longer than it is willing to wait', async () => {
    fake.script('text-embedding-3-small', { fail: { status: 429, retryAfter: '3600' } });
    const error = await failure(embedder().embedQuery('a'));
    expect(error.message).toMatch(/rate limited for 3600 s/);
    expect(fake.requests).toHaveLength(1);
  });

  it('stops waiting when the caller aborts', async () => {
    fake.script('text-embedding-3-small', { hang: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 100);
    await expect(embedder().embedDocuments(['a'], controller.signal)).rejects.toThrow('shutting down');
  });
});
