import { type BaseMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import type { Logger } from '../ports.ts';
import type { PromptMessage } from './prompt.ts';

/** How to reach one OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI's v1 API, vLLM, Ollama...). */
export interface ChatModelOptions {
  /** e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`; default OpenAI's. */
  readonly baseUrl?: string | undefined;
  /** Servers that need none (Ollama, vLLM) get a placeholder: the SDK refuses to start without one. */
  readonly apiKey?: string | undefined;
  readonly model: string;
  /** Abort an attempt that has not finished after this long. */
  readonly timeoutMs: number;
  /** Retries of a failed request (429 with a short Retry-After, 5xx, connection errors) before giving up. Default 2. */
  readonly maxRetries?: number | undefined;
  readonly temperature?: number | undefined;
  readonly maxTokens?: number | undefined;
  readonly logger?: Logger | undefined;
}

/** Where the OpenAI SDK sends requests when no base URL is given. */
export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

export function createChatOpenAi(options: ChatModelOptions, streaming: boolean): ChatOpenAI {
  return new ChatOpenAI({
    model: options.model,
    apiKey: options.apiKey ?? 'not-configured',
    configuration: options.baseUrl === undefined ? {} : { baseURL: options.baseUrl },
    maxRetries: options.maxRetries ?? 2,
    // Streaming answers ask for usage in the final chunk (`stream_options.include_usage`).
    streamUsage: streaming,
    ...(streaming ? {} : { streaming: false }),
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
  });
}

export function toLangChainMessages(messages: readonly PromptMessage[]): BaseMessage[] {
  return messages.map((m) =>
    m.role === 'system' ? new SystemMessage(m.content) : new HumanMessage(m.content),
  );
}

/**
 * An AbortSignal for one attempt: aborted by the caller's signal or after `timeoutMs`. The SDK's own
 * timeout is not used because it does not cover a stream that stalls after its headers arrived.
 */
export function attemptSignal(
  callerSignal: AbortSignal | undefined,
  timeoutMs: number,
): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`Timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const signal =
    callerSignal === undefined ? controller.signal : AbortSignal.any([callerSignal, controller.signal]);
  return {
    signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      // Also cancels the HTTP request when the consumer stopped reading early.
      controller.abort(new DOMException('Answer no longer needed', 'AbortError'));
    },
  };
}

/** A short, log-safe description of a model call failure: HTTP status when there was one, and the message. */
export function describeFailure(error: unknown): { status: number | undefined; message: string } {
  const status =
    typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number'
      ? error.status
      : undefined;
  const raw = error instanceof Error ? error.message : String(error);
  // LangChain appends a troubleshooting URL to some messages; keep the first line.
  return { status, message: raw.split('\n')[0] ?? raw };
}

/** Rough token count (~4 characters per token) for when the server reports no usage. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
