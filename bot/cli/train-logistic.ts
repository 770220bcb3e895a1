/** Logistic regression by full-batch gradient descent with L2: small, dependency-free, deterministic. */
export interface LogisticFit {
  readonly bias: number;
  readonly weights: readonly number[];
  predict(row: readonly number[]): number;
}

export function fitLogistic(
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  options: { l2: number; epochs: number; learningRate: number },
): LogisticFit {
  const width = rows[0]?.length ?? 0;
  const weights = new Array<number>(width).fill(0);
  let bias = 0;
  // Both classes weigh the same in total, whatever their counts: the decision should not lean on the mix.
  const positives = labels.filter((y) => y === 1).length;
  const negatives = labels.length - positives;
  const classWeight = (y: number) => labels.length / (2 * Math.max(1, y === 1 ? positives : negatives));
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const predict = (row: readonly number[]) =>
    sigmoid(row.reduce((sum, x, i) => sum + x * (weights[i] ?? 0), bias));
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const gradient = new Array<number>(width).fill(0);
    let gradientBias = 0;
    rows.forEach((row, r) => {
      const y = labels[r] ?? 0;
      const error = (predict(row) - y) * classWeight(y);
      row.forEach((x, i) => {
        gradient[i] = (gradient[i] ?? 0) + error * x;
      });
      gradientBias += error;
    });
    for (let i = 0; i < width; i++) {
      weights[i] =
        (weights[i] ?? 0) -
        options.learningRate * ((gradient[i] ?? 0) / rows.length + options.l2 * (weights[i] ?? 0));
    }
    bias -= (options.learningRate * gradientBias) / rows.length;
  }
  return { bias, weights, predict };
}
