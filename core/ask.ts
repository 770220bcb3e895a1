/**
 * ask = (principal, question, thread history, scope) → retrieve → answer → stream → store.
 * Platform-neutral: Slack, Teams, REST and the CLI all consume the same event stream.
 */
import type { Principal, RetrievalScope, RetrievedChunk, Source, TokenUsage } from './domain.ts';
import { AppError } from './errors.ts';
import type { Answerer, ConversationKey, ConversationStore, Logger, QuestionCondenser } from './ports.ts';

export interface Retriever {
  retrieve(
    question: string,
    scope: RetrievalScope,
    options: { limit: number; tokenBudget?: number },
  ): Promise<RetrievedChunk[]>;
}

export interface AskDeps {
  readonly retriever: Retriever;
  readonly answerer: Answerer;
  readonly condenser: QuestionCondenser;
  readonly conversations: ConversationStore;
  readonly logger: Logger;
  readonly contextTokens: number;
  /** How many chunks retrieval may hand to the answerer before the token budget applies. */
  readonly retrievalLimit?: number;
  readonly historyTurns?: number;
  /** Builds a link to a document when it has no source URL of its own (the console's document page). */
  readonly documentLink?: (documentId: string) => string | null;
  readonly now?: () => number;
}

export interface AskInput {
  readonly principal: Principal;
  readonly question: string;
  readonly conversation: ConversationKey;
  readonly scope: RetrievalScope;
  readonly signal?: AbortSignal | undefined;
}

export interface AskResult {
  readonly messageId: string;
  readonly conversationId: string;
  readonly question: string;
  readonly standaloneQuestion: string;
  readonly answer: string;
  readonly answered: boolean;
  readonly sources: readonly Source[];
  readonly model: string;
  readonly usage: TokenUsage;
  readonly latencyMs: number;
}

export type AskEvent =
  | { readonly type: 'status'; readonly stage: 'searching' | 'answering' }
  | { readonly type: 'delta'; readonly text: string }
  | { readonly type: 'done'; readonly result: AskResult };

export const MAX_QUESTION_LENGTH = 4000;

export interface Ask {
  stream(input: AskInput): AsyncGenerator<AskEvent, void, undefined>;
  /** Runs the whole ask and returns the stored result (for callers that do not stream). */
  run(input: AskInput): Promise<AskResult>;
}

export function createAsk(deps: AskDeps): Ask {
  const now = deps.now ?? (() => performance.now());

  async function* stream(input: AskInput): AsyncGenerator<AskEvent, void, undefined> {
    const started = now();
    const question = input.question.trim();
    if (question.length === 0)
      throw new AppError('invalid_input', 'The question is empty.', {
        localized: { key: 'errors.emptyQuestion' },
      });
    if (question.length > MAX_QUESTION_LENGTH) {
      throw new AppError(
        'invalid_input',
        `The question is too long (at most ${MAX_QUESTION_LENGTH} characters).`,
      );
    }
    const conversation = await deps.conversations.findOrCreate(input.conversation, input.principal.userId);
    const history = input.conversation.threadId
      ? await deps.conversations.history(conversation.id, deps.historyTurns ?? 6)
      : [];
    const standalone =
      history.length > 0 ? await deps.condenser.condense(question, history, input.signal) : question;

    yield { type: 'status', stage: 'searching' };
    const context = await deps.retriever.retrieve(standalone, input.scope, {
      limit: deps.retrievalLimit ?? 8,
      tokenBudget: deps.contextTokens,
    });

    yield { type: 'status', stage: 'answering' };
    let final: {
      text: string;
      cited: readonly number[];
      answered: boolean;
      model: string;
      usage: TokenUsage;
    } | null = null;
    for await (const event of deps.answerer.answer({ question: standalone, context, signal: input.signal })) {
      if (event.type === 'delta') yield event;
      else final = event;
    }
    if (!final) throw new AppError('upstream_unavailable', 'The answer ended before it was complete.');

    const sources = final.answered ? toSources(final.cited, context, deps.documentLink) : [];
    const latencyMs = now() - started;
    const { messageId } = await deps.conversations.saveAnswer({
      conversationId: conversation.id,
      userId: input.principal.userId,
      question,
      standaloneQuestion: standalone,
      answer: final.text,
      answered: final.answered && sources.length > 0,
      sources,
      retrievedChunkIds: context.map((c) => c.chunkId),
      model: final.model,
      usage: final.usage,
      latencyMs,
    });
    deps.logger.info(
      {
        messageId,
        conversationId: conversation.id,
        platform: input.conversation.platform,
        answered: final.answered,
        sources: sources.length,
        latencyMs: Math.round(latencyMs),
        model: final.model,
      },
      'answered',
    );
    yield {
      type: 'done',
      result: {
        messageId,
        conversationId: conversation.id,
        question,
        standaloneQuestion: standalone,
        answer: final.text,
        answered: final.answered && sources.length > 0,
        sources,
        model: final.model,
        usage: final.usage,
        latencyMs,
      },
    };
  }

  return {
    stream,
    async run(input) {
      for await (const event of stream(input)) if (event.type === 'done') return event.result;
      throw new AppError('internal', 'The answer ended without a result.');
    },
  };
}

function toSources(
  cited: readonly number[],
  context: readonly RetrievedChunk[],
  documentLink: ((documentId: string) => string | null) | undefined,
): Source[] {
  // The answer's [1], [2]… are the cited chunks in order of first use (see AnswerEvent.cited), so the
  // sources are listed in that order and numbered by it; chunks that were not cited are not listed.
  const sources: Source[] = [];
  const listed = new Set<number>();
  for (const index of cited) {
    const chunk = context[index - 1];
    if (!chunk || listed.has(index)) continue;
    listed.add(index);
    sources.push({
      n: sources.length + 1,
      chunkId: chunk.chunkId,
      documentId: chunk.documentId,
      documentVersion: chunk.documentVersion,
      title: chunk.title,
      section: sectionOf(chunk.title, chunk.headingPath),
      page: chunk.page,
      url: chunk.sourceUrl ?? documentLink?.(chunk.documentId) ?? null,
      snippet: snippetOf(chunk.text),
      text: chunk.text,
    });
  }
  return sources;
}

/**
 * The heading path under the document's title. A document titled by its own first heading ("# Parking")
 * would otherwise be cited "Parking › Parking".
 */
function sectionOf(title: string, headingPath: readonly string[]): string | null {
  const same = (a: string, b: string) => a.trim().toLocaleLowerCase() === b.trim().toLocaleLowerCase();
  const path = headingPath.length > 0 && same(headingPath[0]!, title) ? headingPath.slice(1) : headingPath;
  return path.length > 0 ? path.join(' › ') : null;
}

function snippetOf(text: string, max = 240): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = clean.lastIndexOf(' ', max);
  return `${clean.slice(0, cut > max / 2 ? cut : max)}…`;
}
