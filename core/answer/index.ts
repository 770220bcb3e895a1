export { DONT_KNOW_ANSWER, parseCitations, saysDontKnow } from './answer-text.ts';
export type { ChatModelOptions } from './chat-model.ts';
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
  type ExtractedSentence,
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
