/**
 * The chat platforms of the web process on one shared conversation flow: Slack and Teams.
 * Each platform adapter mounts its own route; the flow, its repositories and the rate limit are shared.
 */
import type { FastifyInstance } from 'fastify';
import { type Ask, type Config, ConfigError, type Logger, type RateLimitStore } from '#core';
import {
  createChannelBindings,
  createChatAnswers,
  createChatIdentities,
  createConversationReferences,
  createProcessedEvents,
  type Database,
  readSuggestedPrompts,
} from '#db';
import { AVAILABLE_LOCALES } from '#i18n';
import { type ChatConversation, createChatConversation, createRateLimiter } from './conversation/index.ts';
import type { Metrics } from './metrics.ts';
import { createSlackAdapter, type SlackAdapter } from './slack/index.ts';
import { createTeamsAdapter, type TeamsAdapter, type TeamsCredentialsFactory } from './teams/index.ts';

export interface ChatPlatformsDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly ask: Ask;
  readonly metrics: Metrics;
  /** Where questions per user are counted: shared (Redis) with several web processes; in memory by default. */
  readonly rateLimits?: RateLimitStore | undefined;
  /** Where Teams gets its outbound tokens (default: the app id and password); tests hand in their own. */
  readonly teamsCredentials?: TeamsCredentialsFactory;
}

export interface ChatPlatforms {
  readonly conversation: ChatConversation;
  readonly slack: SlackAdapter | null;
  readonly teams: TeamsAdapter | null;
}

export async function registerChatPlatforms(
  app: FastifyInstance,
  deps: ChatPlatformsDeps,
): Promise<ChatPlatforms> {
  const db = deps.database.db;
  const logger = deps.logger.child({ component: 'chat' });
  const defaultLocale = deps.config.DEFAULT_LOCALE;
  if (!AVAILABLE_LOCALES.includes(defaultLocale)) {
    throw new ConfigError([
      `DEFAULT_LOCALE: no catalogue for "${defaultLocale}" (i18n/locales has ${AVAILABLE_LOCALES.join(', ')})`,
    ]);
  }
  const conversation = createChatConversation({
    defaultLocale,
    ask: deps.ask,
    identities: createChatIdentities(db),
    bindings: createChannelBindings(db),
    events: createProcessedEvents(db),
    answers: createChatAnswers(db),
    rateLimiter: createRateLimiter({
      limit: deps.config.CHAT_RATE_LIMIT_PER_MINUTE,
      windowMs: 60_000,
      ...(deps.rateLimits ? { store: deps.rateLimits } : {}),
    }),
    logger,
    onAnswered: (result) => {
      deps.metrics.asks.labels(String(result.answered)).inc();
      deps.metrics.askLatency.observe(result.latencyMs / 1000);
    },
  });

  const slack = createSlackAdapter({
    config: deps.config,
    conversation,
    logger,
    defaultLocale,
    suggestedPrompts: (locale) => readSuggestedPrompts(db, locale),
  });
  if (slack) {
    await slack.register(app);
    // Socket Mode opens its connection when the web process listens (never in tests, which inject).
    app.addHook('onListen', async () => slack.start());
    app.addHook('onClose', async () => slack.stop());
    logger.info({ mode: slack.mode }, 'slack enabled');
  }
  const teams = createTeamsAdapter({
    config: deps.config,
    conversation,
    references: createConversationReferences(db),
    events: createProcessedEvents(db),
    logger,
    defaultLocale,
    ...(deps.teamsCredentials ? { credentialsFactory: deps.teamsCredentials } : {}),
  });
  if (teams) {
    await teams.register(app);
    app.addHook('onClose', async () => teams.drain());
    logger.info({ mode: teams.mode }, 'teams enabled');
  }
  const platforms = { conversation, slack, teams };
  registered.set(app, platforms);
  return platforms;
}

const registered = new WeakMap<FastifyInstance, ChatPlatforms>();

/** The chat platforms mounted on a web app (tests wait on `slack.drain()` / `teams.drain()` through it). */
export function chatPlatformsOf(app: FastifyInstance): ChatPlatforms | undefined {
  return registered.get(app);
}
