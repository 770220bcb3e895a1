export {
  answerProbability,
  DECISION_FEATURES,
  DECISION_MODEL,
  type DecisionFeatures,
  type DecisionModel,
  featureVector,
} from './answer-decision.ts';
export {
  DONT_KNOW_ANSWER,
  dontKnowAnswerFor,
  parseCitations,
  saysDontKnow,
} from './answer-text.ts';
export type { ChatModelOptions } from './chat-model.ts';
export { createCitationRenumberer, renumberCitations } from './citations.ts';
export {
  CONDENSE_SYSTEM_PROMPT,
  condenseHeuristically,
  createHeuristicCondenser,
  createLlmCondenser,
  type LlmCondenserOptions,
  looksLikeFollowUp,
} from './condense.ts';
export {
  createExtractiveAnswerer,
  EXTRACTIVE_MODEL,
  type ExtractedAnswer,
  type ExtractiveAnswererOptions,
  extractAnswer,
} from './extractive-answerer.ts';
export { type AnswerConfig, createAnswerer, createCondenser } from './from-config.ts';
export { createLlmAnswerer, type LlmAnswererOptions } from './llm-answerer.ts';
export {
  ANSWER_SYSTEM_PROMPT,
  buildAnswerPrompt,
  neutraliseDelimiters,
  type PromptMessage,
} from './prompt.ts';
export { splitSentences } from './sentences.ts';
export { contentTerms, contentWords, isStopword, stem } from './terms.ts';
