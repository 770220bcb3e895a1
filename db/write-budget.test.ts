import { describe, expect, it } from 'vitest';
import { createWriteBudget } from './write-budget.ts';

describe('write budget', () => {
  const options = { budgetMs: 75, initialMsPerUnit: 0.05, minWeight: 1, maxWeight: 100_000 };

  it('settles on transactions that take the budget, whatever a part costs on this machine', () => {
    // A slow machine: 25 ms per transaction plus 0.2 ms per unit. Parts of the first guess take 325 ms.
    const cost = (weight: number) => 25 + 0.2 * weight;
    const budget = createWriteBudget(options);
    expect(cost(budget.capacity())).toBeGreaterThan(300);
    for (let i = 0; i < 30; i++) {
      const weight = budget.capacity();
      budget.record(weight, cost(weight));
    }
    expect(cost(budget.capacity())).toBeGreaterThan(65);
    expect(cost(budget.capacity())).toBeLessThan(85);
  });

  it('grows the parts again when the machine gets faster, and never goes below one unit', () => {
    const budget = createWriteBudget(options);
    budget.record(10, 10_000);
    expect(budget.capacity()).toBe(1);
    for (let i = 0; i < 60; i++) budget.record(budget.capacity(), 1 + 0.001 * budget.capacity());
    expect(budget.capacity()).toBeGreaterThan(10_000);
  });
});
