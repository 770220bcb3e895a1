/**
 * The Teams bot inside the web process: botbuilder's CloudAdapter behind `POST /api/messages`.
 * With MICROSOFT_APP_ID every request's Bot Framework JWT is validated by botframework-connector
 * (issuer, audience = the app id, signing keys from MICROSOFT_OPENID_METADATA_URL, the serviceUrl claim);
 * a request that fails gets 401 and reaches nothing. Without an app id the bot runs only in the explicit
 * development mode (TEAMS_DEV_MODE, refused in production), which takes unauthenticated activities.
 */
import type { Activity } from 'botbuilder';
import type { AuthenticateRequestResult } from 'botframework-connector';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConversationReferences, Logger, ProcessedEvents } from '#core';
import type { ChatConversation } from '../conversation/index.ts';
import { createBotAdapter, type TeamsConfig, type TeamsCredentialsFactory } from './teams-bot-adapter.ts';
import { createTeamsConnector, type TeamsConnector } from './teams-connector.ts';
import { createTeamsPlatform } from './teams-platform.ts';
import { createTeamsActivityHandler } from './teams-turns.ts';

export type { TeamsConfig, TeamsCredentialsFactory };

export const TEAMS_MESSAGES_PATH = '/api/messages';

export interface TeamsAdapter {
  readonly mode: 'authenticated' | 'development';
  readonly connector: TeamsConnector;
  register(app: FastifyInstance): Promise<void>;
  /** Resolves once every activity received so far has been fully handled (answers included). */
  drain(): Promise<void>;
}

export interface TeamsAdapterOptions {
  readonly config: TeamsConfig;
  readonly conversation: ChatConversation;
  readonly references: ConversationReferences;
  readonly events: ProcessedEvents;
  readonly logger: Logger;
  /** The language of the welcome and notices when an activity carries no locale. */
  readonly defaultLocale?: string;
  readonly credentialsFactory?: TeamsCredentialsFactory;
}

/** Null when Teams is not configured (no MICROSOFT_APP_ID and no development mode). */
export function createTeamsAdapter(options: TeamsAdapterOptions): TeamsAdapter | null {
  const { config } = options;
  const log = options.logger.child({ component: 'teams' });
  const appId = config.MICROSOFT_APP_ID ?? '';
  if (!appId && !config.TEAMS_DEV_MODE) return null;
  if (!appId && config.NODE_ENV === 'production') {
    throw new Error('TEAMS_DEV_MODE: Teams without MICROSOFT_APP_ID is refused when NODE_ENV=production');
  }
  if (!appId) {
    log.warn({}, 'TEAMS DEVELOPMENT MODE: /api/messages accepts activities without a Bot Framework token');
  }

  const { auth, adapter } = createBotAdapter(config, options.credentialsFactory, log);
  const connector = createTeamsConnector({
    adapter,
    auth,
    appId,
    references: options.references,
    logger: log,
  });
  const platform = createTeamsPlatform({
    connector,
    streamIntervalMs: config.TEAMS_STREAM_INTERVAL_MS,
    // Teams shows citations; other Bot Framework clients (Emulator, Web Chat) get a sources card.
    citations: (location) => (connector.channelOf(location.channelId) ?? 'msteams') === 'msteams',
    logger: log,
  });
  const inFlight = new Set<Promise<void>>();
  const schedule = (work: () => Promise<void>) => {
    // After the response has been written, and after other requests already waiting have been read.
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error: unknown) => log.error({ err: error }, 'teams work failed'))
      .finally(() => inFlight.delete(run));
    inFlight.add(run);
  };
  const onActivity = createTeamsActivityHandler({
    conversation: options.conversation,
    platform,
    connector,
    events: options.events,
    logger: log,
    schedule,
    ...(options.defaultLocale ? { defaultLocale: options.defaultLocale } : {}),
  });

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const activity = activityOf(request.body);
    if (!activity) {
      return reply
        .code(400)
        .send({ error: { code: 'invalid_input', message: 'Not a Bot Framework activity.' } });
    }
    let authenticated: AuthenticateRequestResult;
    try {
      authenticated = await auth.authenticateRequest(activity, headerOf(request, 'authorization'));
    } catch (error) {
      log.warn({ reason: (error as Error).message }, 'teams request refused');
      return reply
        .code(401)
        .send({ error: { code: 'unauthenticated', message: 'Invalid Bot Framework token.' } });
    }
    try {
      if (activity.type !== 'invoke') {
        // Ack first: the answer goes out proactively once the 200 is written. No botbuilder turn here:
        // it would build two HTTP clients per activity that nothing in it uses.
        await onActivity(activity);
        return reply.code(200).send('');
      }
      // Teams waits for an invoke's response: it is answered in a botbuilder turn, before the 200.
      const response = await adapter.handleActivity(authenticated, activity, async (context) => {
        const value = await onActivity(context.activity);
        await context.sendActivity({ type: 'invokeResponse', value });
      });
      if (!response) return reply.code(200).send('');
      if (response.body === undefined) return reply.code(response.status).send('');
      return reply.code(response.status).send(response.body);
    } catch (error) {
      log.error({ err: error, type: activity.type }, 'teams activity failed');
      return reply
        .code(500)
        .send({ error: { code: 'internal', message: 'The activity could not be handled.' } });
    }
  }

  return {
    mode: appId ? 'authenticated' : 'development',
    connector,
    async register(app) {
      app.post(TEAMS_MESSAGES_PATH, { bodyLimit: 1024 * 1024 }, handle);
    },
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

function headerOf(request: FastifyRequest, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/**
 * The activity in a request body. Microsoft's docs show the feedback invoke without its `type` and
 * `channelId`: an activity that names an invoke (`name`) but no type is read as the invoke it is.
 */
function activityOf(body: unknown): Activity | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  let activity = body as Partial<Activity>;
  if (typeof activity.type !== 'string') {
    if (typeof activity.name !== 'string') return null;
    activity = { ...activity, type: 'invoke' };
  }
  // The signing key's endorsements are checked against the channel: without one, against Teams'.
  if (typeof activity.channelId !== 'string' || activity.channelId === '') {
    activity = { ...activity, channelId: 'msteams' };
  }
  return activity as Activity;
}
