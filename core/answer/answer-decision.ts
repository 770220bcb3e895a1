/**
 * Whether the extractive answerer answers or declines: a logistic model over a few features of the question
 * and the best passage found, trained by `npm run train:answer-decision` on our own questions (Korean and
 * English, with unanswerable variants that reuse the paragraph's words: see core/answer/decision-data/).
 * Its weights are a committed file, so the decision is the same on every machine and changes only by retraining.
 */
import weights from './answer-decision-weights.json' with { type: 'json' };

/** The features, in the order the weights use them. Each is roughly 0–1. */
export const DECISION_FEATURES = [
  'coverage',
  'chunkCoverage',
  'contextCoverage',
  'missingWeight',
  'missingInContext',
  'rankPrior',
  'margin',
  'termCount',
  'korean',
  'numberMismatch',
  'typeMismatch',
  'typeMatch',
  'substitutedBetween',
  'negation',
  'opposite',
  'personMismatch',
  'retrievalMargin',
  'missingNames',
] as const;

export type DecisionFeature = (typeof DECISION_FEATURES)[number];
export type DecisionFeatures = Record<DecisionFeature, number>;

export interface DecisionWeights {
  readonly bias: number;
  readonly weights: Readonly<Record<DecisionFeature, number>>;
}

export interface DecisionModel extends DecisionWeights {
  /** A language's own weights, fitted on its questions alone; a language without them uses the shared ones. */
  readonly languages?: Readonly<Partial<Record<'en' | 'ko', DecisionWeights>>>;
  /** Answer when the probability is at least this. */
  readonly threshold: number;
  /** A language's own line, where its questions are calibrated differently (see train-answer-decision.ts). */
  readonly thresholds?: Readonly<Partial<Record<'en' | 'ko', number>>>;
}

/** The line a question's probability must reach, for its language. */
export function thresholdFor(features: DecisionFeatures, model: DecisionModel = DECISION_MODEL): number {
  return model.thresholds?.[features.korean === 1 ? 'ko' : 'en'] ?? model.threshold;
}

export const DECISION_MODEL: DecisionModel = weights as DecisionModel;

/** The model's probability that the passage answers the question. */
export function answerProbability(features: DecisionFeatures, model: DecisionModel = DECISION_MODEL): number {
  const own = model.languages?.[features.korean === 1 ? 'ko' : 'en'] ?? model;
  let z = own.bias;
  // A feature newer than the committed weights counts for nothing until the model is retrained.
  for (const name of DECISION_FEATURES) z += (own.weights[name] ?? 0) * features[name];
  return 1 / (1 + Math.exp(-z));
}

export function featureVector(features: DecisionFeatures): number[] {
  return DECISION_FEATURES.map((name) => features[name]);
}
