import type { Config } from '../config.ts';
import type { Answerer, Logger, QuestionCondenser } from '../ports.ts';
import { createHeuristicCondenser, createLlmCondenser } from './condense.ts';
import { createExtractiveAnswerer } from './extractive-answerer.ts';
import { createLlmAnswerer } from './llm-answerer.ts';

export type AnswerConfig = Pick<
  Config,
  'CHAT_MODEL' | 'CHAT_FALLBACK_MODEL' | 'CHAT_TIMEOUT_MS' | 'OPENAI_API_KEY' | 'OPENAI_BASE_URL'
>;

/** Condensing blocks retrieval, so a slow model is given up on sooner than an answer is. */
const MAX_CONDENSE_TIMEOUT_MS = 10_000;

/** The chat model when `CHAT_MODEL` is set, the extractive answerer otherwise. */
export function createAnswerer(config: AnswerConfig, logger?: Logger): Answerer {
  if (config.CHAT_MODEL === undefined) return createExtractiveAnswerer();
  return createLlmAnswerer({
    baseUrl: config.OPENAI_BASE_URL,
    apiKey: config.OPENAI_API_KEY,
    model: config.CHAT_MODEL,
    fallbackModel: config.CHAT_FALLBACK_MODEL,
    timeoutMs: config.CHAT_TIMEOUT_MS,
    logger,
  });
}

/** Rewrites follow-ups with `CHAT_MODEL` when set (falling back to the heuristic), else the heuristic alone. */
export function createCondenser(config: AnswerConfig, logger?: Logger): QuestionCondenser {
  if (config.CHAT_MODEL === undefined) return createHeuristicCondenser();
  return createLlmCondenser({
    baseUrl: config.OPENAI_BASE_URL,
    apiKey: config.OPENAI_API_KEY,
    model: config.CHAT_MODEL,
    timeoutMs: Math.min(config.CHAT_TIMEOUT_MS, MAX_CONDENSE_TIMEOUT_MS),
    maxRetries: 1,
    logger,
  });
}
