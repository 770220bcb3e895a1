/**
 * The Slack app inside the web process: Bolt with our fastify receiver at POST /slack/events, or Socket
 * Mode when SLACK_APP_TOKEN is set. Every Web API call goes to SLACK_API_URL.
 */
import {
  App,
  type AuthorizeResult,
  type Logger as BoltLogger,
  LogLevel,
  SocketModeReceiver,
  webApi,
} from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type { Config, Logger, SuggestedPrompt } from '#core';
import type { ChatConversation } from '../conversation/index.ts';
import { registerSlackListeners } from './slack-listeners.ts';
import { createSlackPlatform } from './slack-platform.ts';
import { createSlackHttpReceiver } from './slack-receiver.ts';
import { createStreamPacer, type StreamPacer } from './slack-reply.ts';

export type SlackConfig = Pick<
  Config,
  'SLACK_SIGNING_SECRET' | 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN' | 'SLACK_API_URL' | 'LOG_LEVEL'
>;

export interface SlackAdapter {
  readonly mode: 'http' | 'socket';
  readonly app: App;
  /** Mounts POST /slack/events on the web app (HTTP mode; Socket Mode needs no route). */
  register(app: FastifyInstance): Promise<void>;
  /** Socket Mode connects here (from the web app's onListen); HTTP mode has nothing to start. */
  start(): Promise<void>;
  /** Waits for the answers under way (HTTP mode), then disconnects (Socket Mode). */
  stop(): Promise<void>;
  /** Resolves once every Slack request received so far has been fully handled. */
  drain(): Promise<void>;
}

export interface SlackAdapterOptions {
  readonly config: SlackConfig;
  readonly conversation: ChatConversation;
  readonly logger: Logger;
  /** The assistant's suggested prompts per language (the admins' setting); absent: the catalogue's. */
  readonly suggestedPrompts?: (locale: string) => Promise<readonly SuggestedPrompt[]>;
  /** The language of replies when neither the question nor Slack's locale for the user tells. */
  readonly defaultLocale?: string;
  readonly pacer?: StreamPacer;
  /** Web API retries on network errors and 5xx (429s always wait for Retry-After). */
  readonly apiRetries?: number;
}

/** Null when Slack is not configured: no bot token, or neither a signing secret nor an app token. */
export function createSlackAdapter(options: SlackAdapterOptions): SlackAdapter | null {
  const { config } = options;
  const log = options.logger.child({ component: 'slack' });
  if (!config.SLACK_BOT_TOKEN) return null;
  const socketMode = config.SLACK_APP_TOKEN !== undefined;
  if (!socketMode && !config.SLACK_SIGNING_SECRET) {
    log.warn({}, 'SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN): Slack stays off');
    return null;
  }
  const boltLogger = toBoltLogger(log, config.LOG_LEVEL);
  const clientOptions = {
    slackApiUrl: config.SLACK_API_URL.endsWith('/') ? config.SLACK_API_URL : `${config.SLACK_API_URL}/`,
    retryConfig: { retries: options.apiRetries ?? 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    timeout: 15_000,
    logger: boltLogger,
  };
  const httpReceiver = socketMode
    ? null
    : createSlackHttpReceiver({ signingSecret: config.SLACK_SIGNING_SECRET!, logger: log });
  const receiver =
    httpReceiver ??
    new SocketModeReceiver({
      appToken: config.SLACK_APP_TOKEN!,
      logger: boltLogger,
      installerOptions: { clientOptions },
    });

  const botToken = config.SLACK_BOT_TOKEN;
  const client = new webApi.WebClient(botToken, clientOptions);
  // The bot's own ids (to ignore its own messages) come from auth.test, asked on the first event and then
  // kept; a failure is not kept, so a Slack outage at start-up heals by itself.
  let identity: Promise<AuthorizeResult> | null = null;
  const authorize = async (): Promise<AuthorizeResult> => {
    identity ??= client.auth
      .test()
      .then((r) => ({ botToken, botUserId: r.user_id, botId: r.bot_id }))
      .catch((error: unknown) => {
        identity = null;
        throw error;
      });
    return identity;
  };
  const app = new App({ authorize, receiver, logger: boltLogger, clientOptions, convoStore: false });
  app.error(async (error) => {
    log.error({ err: error }, 'slack listener failed');
  });
  const platform = createSlackPlatform({ client, pacer: options.pacer ?? createStreamPacer(), logger: log });
  registerSlackListeners(app, {
    conversation: options.conversation,
    platform,
    logger: log,
    ...(options.suggestedPrompts ? { suggestedPrompts: options.suggestedPrompts } : {}),
    ...(options.defaultLocale ? { defaultLocale: options.defaultLocale } : {}),
  });

  return {
    mode: socketMode ? 'socket' : 'http',
    app,
    async register(fastify) {
      if (httpReceiver) await httpReceiver.register(fastify);
    },
    async start() {
      if (socketMode) {
        await app.start();
        log.info({}, 'slack connected in Socket Mode');
      }
    },
    async stop() {
      await httpReceiver?.drain();
      if (socketMode) await app.stop();
    },
    async drain() {
      await httpReceiver?.drain();
    },
  };
}

function toBoltLogger(logger: Logger, level: SlackConfig['LOG_LEVEL']): BoltLogger {
  const text = (msgs: unknown[]) =>
    msgs
      .map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m)))
      .join(' ');
  let current =
    level === 'debug' || level === 'trace'
      ? LogLevel.DEBUG
      : level === 'info'
        ? LogLevel.INFO
        : LogLevel.WARN;
  return {
    debug: (...msgs: unknown[]) => logger.debug({}, text(msgs)),
    info: (...msgs: unknown[]) => logger.info({}, text(msgs)),
    warn: (...msgs: unknown[]) => logger.warn({}, text(msgs)),
    error: (...msgs: unknown[]) => logger.error({}, text(msgs)),
    setLevel: (next: LogLevel) => {
      current = next;
    },
    getLevel: () => current,
    setName: () => {},
  };
}
