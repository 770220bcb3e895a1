/** Estimated cost of answers: a small price table (USD per million tokens), editable in the settings. */
export interface ModelPrice {
  /** A model name, or a prefix of dated variants (`gpt-4o-mini` prices `gpt-4o-mini-2024-07-18`). */
  readonly model: string;
  readonly promptPerMillion: number;
  readonly completionPerMillion: number;
}

/** List prices at the time of writing; admins correct them in the settings when they change. */
export const DEFAULT_MODEL_PRICES: readonly ModelPrice[] = [
  { model: 'extractive', promptPerMillion: 0, completionPerMillion: 0 },
  { model: 'gpt-4o-mini', promptPerMillion: 0.15, completionPerMillion: 0.6 },
  { model: 'gpt-4o', promptPerMillion: 2.5, completionPerMillion: 10 },
  { model: 'gpt-4.1-nano', promptPerMillion: 0.1, completionPerMillion: 0.4 },
  { model: 'gpt-4.1-mini', promptPerMillion: 0.4, completionPerMillion: 1.6 },
  { model: 'gpt-4.1', promptPerMillion: 2, completionPerMillion: 8 },
];

/** The price of `model`: an exact entry, else the longest entry that prefixes it; null when unknown. */
export function priceOf(model: string, prices: readonly ModelPrice[]): ModelPrice | null {
  const exact = prices.find((p) => p.model === model);
  if (exact) return exact;
  let best: ModelPrice | null = null;
  for (const price of prices) {
    if (model.startsWith(price.model) && (!best || price.model.length > best.model.length)) best = price;
  }
  return best;
}

export function estimateCostUsd(
  model: string,
  tokens: { promptTokens: number; completionTokens: number },
  prices: readonly ModelPrice[],
): number | null {
  const price = priceOf(model, prices);
  if (!price) return null;
  return (
    (tokens.promptTokens * price.promptPerMillion + tokens.completionTokens * price.completionPerMillion) /
    1e6
  );
}
