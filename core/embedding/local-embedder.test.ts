import { describe, expect, it } from 'vitest';
import { createLocalEmbedder } from './local-embedder.ts';

const cosine = (a: readonly number[], b: readonly number[]) =>
  a.reduce((sum, value, i) => sum + value * b[i]!, 0);

describe('local embedder', () => {
  const embedder = createLocalEmbedder({ dimensions: 256 });

  it('names its model by algorithm and dimensions', () => {
    expect(embedder.model).toBe('local-hash-v2-256');
    expect(embedder.dimensions).toBe(256);
    expect(() => createLocalEmbedder({ dimensions: 4096 })).toThrow(RangeError);
  });

  it('is deterministic, L2-normalised and the same for queries and documents', async () => {
    const text = 'Influenza vaccination reduces hospital admissions in elderly patients.';
    const [first] = await embedder.embedDocuments([text]);
    const [again] = await createLocalEmbedder({ dimensions: 256 }).embedDocuments([text]);
    expect(first).toEqual(again);
    expect(await embedder.embedQuery(text)).toEqual(first);
    expect(first).toHaveLength(256);
    expect(Math.sqrt(cosine(first!, first!))).toBeCloseTo(1, 10);
  });

  it('places related texts closer than unrelated ones, sub-word variants included', async () => {
    const [vaccine, vaccination, pasta] = await embedder.embedDocuments([
      'Vaccines against influenza protect older adults.',
      'Influenza vaccination in the elderly prevents infections.',
      'Slow-cooked tomato sauce with fresh basil and pasta.',
    ]);
    expect(cosine(vaccine!, vaccination!)).toBeGreaterThan(cosine(vaccine!, pasta!) + 0.1);
    const [immunised, immunisation] = await embedder.embedDocuments(['immunised', 'immunisation']);
    expect(cosine(immunised!, immunisation!)).toBeGreaterThan(0.3);
  });

  it('gives empty text a zero vector and honours abort signals', async () => {
    expect((await embedder.embedQuery('  ')).every((value) => value === 0)).toBe(true);
    const controller = new AbortController();
    controller.abort();
    await expect(embedder.embedDocuments(['x'], controller.signal)).rejects.toThrow();
  });
});
