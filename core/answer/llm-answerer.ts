import type { ChatOpenAI } from '@langchain/openai';
import type { TokenUsage } from '../domain.ts';
import { AppError } from '../errors.ts';
import type { AnswerEvent, Answerer, AnswerInput } from '../ports.ts';
import { detectLanguage } from '../text/index.ts';
import { dontKnowAnswerFor, dontKnowEvents, saysDontKnow } from './answer-text.ts';
import {
  attemptSignal,
  type ChatModelOptions,
  createChatOpenAi,
  DEFAULT_OPENAI_BASE_URL,
  describeFailure,
  estimateTokens,
  toLangChainMessages,
} from './chat-model.ts';
import { createCitationRenumberer } from './citations.ts';
import { extractAnswer } from './extractive-answerer.ts';
import { buildAnswerPrompt, type PromptMessage } from './prompt.ts';

export interface LlmAnswererOptions extends ChatModelOptions {
  /** Answers instead when the primary model fails before its first token. */
  readonly fallbackModel?: string | undefined;
  /**
   * Below this share (0–1, default 0.05) of the question's content words, weighted by rarity, found anywhere in
   * the context, the answer is "I couldn't find this" and the model is not called: the context shares next to
   * nothing with the question, and a model asked anyway tends to answer from its own knowledge. Kept low on
   * purpose: a paraphrase ("time off" for "vacation days") shares few words, and the model judges it better
   * than a word count does.
   */
  readonly minEvidence?: number;
}

/** Thrown inside an attempt; says whether any text had already been streamed to the caller. */
class AttemptFailed extends Error {
  readonly streamed: boolean;
  constructor(cause: unknown, streamed: boolean) {
    super('chat model attempt failed', { cause });
    this.streamed = streamed;
  }
}

/**
 * Answers with an OpenAI-compatible chat model, streamed token by token. The context is quoted to the model
 * as delimited data (see prompt.ts). If the primary model fails before producing anything (connection
 * refused, 429/5xx after retries, timeout) the whole answer is retried on the fallback model; once text has
 * been streamed a failure is final (`upstream_unavailable`), so the caller never receives text twice.
 */
export function createLlmAnswerer(options: LlmAnswererOptions): Answerer {
  // The URL goes into every failure line: "Connection error." alone does not say which server to check.
  const logger = options.logger?.child({
    component: 'llm-answerer',
    url: options.baseUrl ?? DEFAULT_OPENAI_BASE_URL,
  });
  const models: { name: string; chat: ChatOpenAI }[] = [
    { name: options.model, chat: createChatOpenAi(options, true) },
  ];
  if (options.fallbackModel !== undefined && options.fallbackModel !== options.model) {
    models.push({
      name: options.fallbackModel,
      chat: createChatOpenAi({ ...options, model: options.fallbackModel }, true),
    });
  }

  return {
    model: options.model,
    async *answer(input: AnswerInput): AsyncIterable<AnswerEvent> {
      input.signal?.throwIfAborted();
      if (!hasEvidence(input, options.minEvidence ?? DEFAULT_MIN_EVIDENCE)) {
        yield* dontKnowEvents(options.model, input.question);
        return;
      }
      const prompt = buildAnswerPrompt(input.question, input.context);
      for (const [i, { name, chat }] of models.entries()) {
        try {
          yield* attempt(chat, name, prompt, input, options.timeoutMs);
          return;
        } catch (error) {
          if (!(error instanceof AttemptFailed)) throw error;
          const failure = describeFailure(error.cause);
          if (error.streamed) {
            logger?.error({ model: name, ...failure }, 'chat model failed mid-answer');
            throw new AppError('upstream_unavailable', `The chat model ${name} failed mid-answer`, {
              cause: error.cause,
            });
          }
          const next = models[i + 1];
          if (next === undefined) {
            logger?.error({ model: name, ...failure }, 'chat model failed; no fallback left');
            throw new AppError(
              'upstream_unavailable',
              `The chat model ${name} is unavailable: ${failure.message}`,
              {
                cause: error.cause,
                details: { model: name, status: failure.status },
              },
            );
          }
          logger?.warn({ model: name, fallback: next.name, ...failure }, 'chat model failed; using fallback');
        }
      }
    },
  };
}

const DEFAULT_MIN_EVIDENCE = 0.05;

/** A greeting that opens a message says nothing about what is asked ("Hi there!", "안녕하세요, …"). */
const OPENING_GREETING =
  /^\s*(?:hi|hello|hey|good (?:morning|afternoon|evening)|안녕하세요|안녕)(?![\p{L}\p{N}])[\s!,.?~]*/iu;

/**
 * Whether the context is worth asking the model about: anything retrieved, unless it clearly shares nothing
 * with the question. Only empty retrieval and a context without the question's words decline here; whether
 * the documents answer is the model's call.
 */
function hasEvidence(input: AnswerInput, minEvidence: number): boolean {
  if (input.context.length === 0) return false;
  const question = input.question.replace(OPENING_GREETING, '');
  // Small talk ("Hi") and a question with no content words at all ("?", an emoji) are the model's to judge.
  if (question.trim() === '') return true;
  // Words cannot be compared across languages: an English question about Korean documents is the model's.
  const asked = detectLanguage(question);
  const written = detectLanguage(input.context.map((chunk) => chunk.text).join('\n'));
  if (asked !== undefined && written !== undefined && asked !== written) return true;
  const found = extractAnswer(question, input.context);
  return found === undefined ? true : found.features.contextCoverage >= minEvidence;
}

async function* attempt(
  chat: ChatOpenAI,
  model: string,
  prompt: readonly PromptMessage[],
  input: AnswerInput,
  timeoutMs: number,
): AsyncGenerator<AnswerEvent> {
  const { signal, timedOut, dispose } = attemptSignal(input.signal, timeoutMs);
  let text = '';
  let shown = '';
  let usage: TokenUsage | undefined;
  const citations = createCitationRenumberer(input.context.length);
  try {
    try {
      const stream = await chat.stream(toLangChainMessages(prompt), { signal });
      for await (const chunk of stream) {
        if (chunk.usage_metadata !== undefined) {
          usage = {
            promptTokens: chunk.usage_metadata.input_tokens,
            completionTokens: chunk.usage_metadata.output_tokens,
          };
        }
        const piece = typeof chunk.content === 'string' ? chunk.content : chunk.text;
        if (piece === '') continue;
        text += piece;
        const visible = citations.push(piece);
        if (visible === '') continue;
        shown += visible;
        yield { type: 'delta', text: visible };
      }
      const rest = citations.flush();
      if (rest !== '') {
        shown += rest;
        yield { type: 'delta', text: rest };
      }
      // LangChain ends some aborted streams quietly instead of throwing.
      if (signal.aborted) throw signal.reason;
      if (text.trim() === '') throw new Error(`The chat model ${model} returned an empty answer`);
    } catch (error) {
      // The caller giving up is not a model failure: no fallback, no wrapping.
      if (input.signal?.aborted && !timedOut()) throw input.signal.reason;
      throw new AttemptFailed(error, shown !== '');
    }
  } finally {
    dispose();
  }

  // A reply that says it does not know, or that cites no document it was given, is a decline: an uncited
  // statement cannot be checked against the documents.
  const cited = [...citations.cited];
  const answered = cited.length > 0 && !saysDontKnow(shown);
  yield {
    type: 'done',
    text: answered ? shown : dontKnowAnswerFor(input.question),
    cited: answered ? cited : [],
    answered,
    model,
    usage: usage ?? {
      promptTokens: estimateTokens(prompt.map((m) => m.content).join('\n')),
      completionTokens: estimateTokens(text),
    },
  };
}
