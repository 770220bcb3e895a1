import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PRICES, estimateCostUsd, priceOf } from './model-prices.ts';

describe('model prices', () => {
  it('prices dated variants by their longest known prefix', () => {
    expect(priceOf('gpt-4o-mini-2024-07-18', DEFAULT_MODEL_PRICES)?.model).toBe('gpt-4o-mini');
    expect(priceOf('gpt-4o-2024-08-06', DEFAULT_MODEL_PRICES)?.model).toBe('gpt-4o');
    expect(priceOf('llama3.1', DEFAULT_MODEL_PRICES)).toBeNull();
  });

  it('estimates cost from prompt and completion tokens', () => {
    const cost = estimateCostUsd(
      'gpt-4o',
      { promptTokens: 1_000_000, completionTokens: 500_000 },
      DEFAULT_MODEL_PRICES,
    );
    expect(cost).toBeCloseTo(2.5 + 5, 6);
    expect(
      estimateCostUsd('unknown-model', { promptTokens: 10, completionTokens: 10 }, DEFAULT_MODEL_PRICES),
    ).toBeNull();
  });
});
