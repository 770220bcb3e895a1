import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Ask, AskEvent } from '#core';
import { AppError, MAX_QUESTION_LENGTH, type Principal } from '#core';
import { type Authenticator, requirePrincipal } from '../auth.ts';
import { errorSentence, requestTranslator, toAppError } from '../http-errors.ts';

export interface AskRouteDeps {
  readonly ask: Ask;
  readonly authenticate: Authenticator;
  /** Resolves collection names (or ids) to ids; unknown and unreadable names are one input error. */
  readonly resolveCollections: (principal: Principal, names: readonly string[]) => Promise<string[]>;
  readonly onAnswered?: (result: { answered: boolean; latencyMs: number }) => void;
}

const askBody = z.object({
  question: z
    .string()
    .trim()
    .min(1, 'is required')
    .max(MAX_QUESTION_LENGTH, `must be at most ${MAX_QUESTION_LENGTH} characters`),
  /** Continue a conversation: the `threadId` returned by a previous answer. */
  threadId: z.string().trim().min(1).max(200).optional(),
  collections: z.array(z.string().trim().min(1)).max(50).optional(),
});

export function registerAskRoute(app: FastifyInstance, deps: AskRouteDeps): void {
  app.post('/api/v1/ask', async (request, reply) => {
    const principal = await requirePrincipal(request, deps.authenticate, 'ask');
    const parsed = askBody.safeParse(request.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AppError('invalid_input', `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    const body = parsed.data;
    const collectionIds = body.collections
      ? await deps.resolveCollections(principal, body.collections)
      : undefined;
    const threadId = body.threadId ?? crypto.randomUUID();
    const input = {
      principal,
      question: body.question,
      // API keys carry scopes; the console's access tokens do not: its playground counts as the web platform.
      conversation: {
        platform: principal.scopes ? ('api' as const) : ('web' as const),
        channelId: `user:${principal.userId}`,
        threadId,
      },
      scope: { userId: principal.userId, ...(collectionIds ? { collectionIds } : {}) },
    };

    if (!wantsEventStream(request.headers.accept)) {
      const result = await deps.ask.run(input);
      deps.onAnswered?.(result);
      return reply.send(toJson(result, threadId));
    }

    // Server-sent events: `status`, `delta`… then `done` (or `error`).
    const abort = new AbortController();
    request.raw.on('close', () => abort.abort());
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-request-id': String(request.id),
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown) =>
      out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    try {
      for await (const event of deps.ask.stream({
        ...input,
        signal: abort.signal,
      }) as AsyncIterable<AskEvent>) {
        if (event.type === 'status') send('status', { stage: event.stage });
        else if (event.type === 'delta') send('delta', { text: event.text });
        else {
          deps.onAnswered?.(event.result);
          send('done', toJson(event.result, threadId));
        }
      }
    } catch (error) {
      const appError = toAppError(error);
      if (appError.status >= 500) request.log.error({ err: error }, 'ask stream failed');
      send('error', {
        code: appError.code,
        message: errorSentence(appError, requestTranslator(request)),
      });
    } finally {
      out.end();
    }
  });
}

function wantsEventStream(accept: string | undefined): boolean {
  return (
    accept?.split(',').some((part) => part.trim().toLowerCase().startsWith('text/event-stream')) ?? false
  );
}

function toJson(result: Awaited<ReturnType<Ask['run']>>, threadId: string) {
  return {
    answer: result.answer,
    answered: result.answered,
    sources: result.sources.map(({ text: _text, ...source }) => source),
    threadId,
    messageId: result.messageId,
    model: result.model,
    usage: result.usage,
    latencyMs: Math.round(result.latencyMs),
  };
}

export type { Principal };
