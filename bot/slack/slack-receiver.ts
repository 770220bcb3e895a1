/**
 * Bolt's receiver on the web process's fastify app: `POST /slack/events` takes the Events API,
 * interactivity and slash commands. The raw body is kept for the signature; unsigned, mis-signed or
 * stale requests get 401 and reach nothing. Ack first, then work: events are acknowledged before Bolt
 * sees them, everything else when its listener acks, and never later than `ackTimeoutMs`.
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '#core';
import { verifySlackSignature } from './slack-signature.ts';

export interface SlackHttpReceiver extends Receiver {
  /** Mounts the endpoint; call once, before the app is ready. */
  register(app: FastifyInstance, options?: { path?: string }): Promise<void>;
  /** Resolves once every request handed to Bolt so far has been fully handled (answers included). */
  drain(): Promise<void>;
}

export interface SlackHttpReceiverOptions {
  readonly signingSecret: string;
  readonly logger: Logger;
  /** Slack gives up after 3 s; answer a listener that has not acked by then with an empty 200. */
  readonly ackTimeoutMs?: number;
  readonly bodyLimit?: number;
  readonly now?: () => number;
}

export const SLACK_EVENTS_PATH = '/slack/events';

export function createSlackHttpReceiver(options: SlackHttpReceiverOptions): SlackHttpReceiver {
  const log = options.logger;
  const ackTimeoutMs = options.ackTimeoutMs ?? 2500;
  let bolt: App | null = null;
  const inFlight = new Set<Promise<void>>();

  async function handle(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
    reply: FastifyReply,
  ) {
    const verdict = verifySlackSignature({
      signingSecret: options.signingSecret,
      timestamp: header(headers, 'x-slack-request-timestamp'),
      signature: header(headers, 'x-slack-signature'),
      rawBody,
      ...(options.now ? { nowMs: options.now() } : {}),
    });
    if (!verdict.ok) {
      log.warn({ reason: verdict.reason }, 'slack request refused');
      return reply
        .code(401)
        .send({ error: { code: 'unauthenticated', message: 'Invalid Slack request signature.' } });
    }
    const body = parseBody(rawBody, header(headers, 'content-type') ?? '');
    if (!body)
      return reply
        .code(400)
        .send({ error: { code: 'invalid_input', message: 'Unreadable Slack request body.' } });
    if (body.type === 'url_verification') return reply.send({ challenge: body.challenge });
    if (body.ssl_check) return reply.send('');
    if (!bolt) return reply.code(503).send({ error: { code: 'unavailable', message: 'Slack is starting.' } });

    const { promise: acked, resolve } = Promise.withResolvers<unknown>();
    let done = false;
    const ack = async (response?: unknown): Promise<void> => {
      if (done) return; // Bolt acks events itself too; the first ack wins
      done = true;
      resolve(response);
    };
    if (body.type === 'event_callback') await ack();
    const retryNum = header(headers, 'x-slack-retry-num');
    const retryReason = header(headers, 'x-slack-retry-reason');
    const event: ReceiverEvent = {
      body,
      ack,
      ...(retryNum !== undefined && /^\d+$/.test(retryNum) ? { retryNum: Number(retryNum) } : {}),
      ...(retryReason !== undefined ? { retryReason } : {}),
    };
    const timer = setTimeout(() => {
      if (!done) log.warn({ type: body.type }, 'slack listener did not ack in time: acknowledged empty');
      void ack();
    }, ackTimeoutMs);
    // The work starts on the next turn of the event loop, after the ack has been written and after
    // other requests already waiting have been read: with many events at once, acks come first.
    const app = bolt;
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => app.processEvent(event))
      .catch((error: unknown) => log.error({ err: error, type: body.type }, 'slack event failed'))
      // Nothing listened (an unknown action or command): acknowledge, so that Slack shows no error.
      .finally(() => {
        void ack();
        inFlight.delete(work);
      });
    inFlight.add(work);
    const response = await acked;
    clearTimeout(timer);
    if (response === undefined || response === '') return reply.code(200).send('');
    if (typeof response === 'string') return reply.code(200).type('text/plain; charset=utf-8').send(response);
    return reply.code(200).send(response);
  }

  return {
    init(app: App) {
      bolt = app;
    },
    // The fastify app listens; Bolt has nothing of its own to start or stop.
    async start() {},
    async stop() {},
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async register(app, registerOptions = {}) {
      const path = registerOptions.path ?? SLACK_EVENTS_PATH;
      await app.register(async (scope) => {
        // Keep the bytes exactly as received: the signature covers them, not a re-serialisation.
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser(
          '*',
          { parseAs: 'buffer', bodyLimit: options.bodyLimit ?? 1024 * 1024 },
          (_request, body, done) => done(null, body),
        );
        scope.post(path, async (request, reply) => {
          const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          return handle(raw, request.headers, reply);
        });
      });
    },
  };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** JSON for the Events API; form-encoded for commands, and `payload=<JSON>` for interactivity. */
function parseBody(raw: Buffer, contentType: string): Record<string, unknown> | null {
  try {
    const text = raw.toString('utf8');
    if (contentType.includes('application/json')) {
      const parsed: unknown = JSON.parse(text);
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : null;
    }
    const form = new URLSearchParams(text);
    const payload = form.get('payload');
    if (payload !== null) return JSON.parse(payload) as Record<string, unknown>;
    return Object.fromEntries(form);
  } catch {
    return null;
  }
}
