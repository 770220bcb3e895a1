/**
 * The web process's HTTP app. `buildApp` never listens: `main.ts` does, tests use `app.inject`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  AppError,
  type Ask,
  type Config,
  type DocumentRepository,
  type JobQueue,
  type Logger,
  type Principal,
  type ProgressFeed,
  type RateLimitStore,
} from '#core';
import {
  appendAuditEvent,
  authenticateApiKey,
  canReadCollection,
  type Database,
  ensureCollection,
  findCollectionByName,
  resolveCollectionRefs,
} from '#db';
import { createAdminApi } from '../admin/api/index.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { type Authenticator, combineAuthenticators } from './auth.ts';
import { registerChatPlatforms } from './chat-platforms.ts';
import { registerConsole } from './console-routes.ts';
import { type ReadinessCheck, registerHealthRoutes } from './health-routes.ts';
import { installErrorHandler } from './http-errors.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { registerAskRoute } from './rest/ask-route.ts';
import { registerDocumentRoutes } from './rest/documents-route.ts';
import type { TeamsCredentialsFactory } from './teams/index.ts';

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly ask: Ask;
  readonly documents: DocumentRepository;
  readonly queue: JobQueue;
  readonly metrics?: Metrics;
  /** Extra readiness checks (Redis) besides the database. */
  readonly readinessChecks?: readonly ReadinessCheck[];
  readonly assertCanEnqueue?: () => Promise<void>;
  /** Live ingestion progress for the admin API's subscription. */
  readonly progressFeed?: ProgressFeed;
  /** Where sign-in attempts and chat questions are counted: Redis with several web processes. */
  readonly rateLimits?: RateLimitStore;
  /** Signs access tokens (resolveJwtSecret); without it, JWT_SECRET or a per-process random secret. */
  readonly jwtSecret?: string;
  /** The built admin console (admin/web/dist), served at `/`; without it no console is served. */
  readonly consoleDir?: string;
  /** Teams' outbound credentials (tests: a fake token instead of Entra ID). */
  readonly teamsCredentials?: TeamsCredentialsFactory;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { database, logger } = deps;
  const db = database.db;
  const metrics = deps.metrics ?? createMetrics();

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,100}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    trustProxy: true,
  });
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration
      .labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
  });
  installErrorHandler(app, logger);
  await app.register(multipart, {
    limits: { fileSize: deps.config.MAX_UPLOAD_BYTES, files: 20, fields: 20 },
  });

  const adminApi = createAdminApi({
    config: deps.config,
    logger,
    db,
    queue: deps.queue,
    documents: deps.documents,
    progressFeed: deps.progressFeed ?? null,
    jwtSecret: deps.jwtSecret ?? deps.config.JWT_SECRET ?? randomBytes(32).toString('base64url'),
    rateLimits: deps.rateLimits,
  });
  const authenticate: Authenticator = combineAuthenticators(
    (key) => authenticateApiKey(db, key),
    (token) => adminApi.tokens.authenticate(token),
  );
  const audit = async (
    principal: Principal,
    event: { action: string; targetType?: string; targetId?: string; data?: Record<string, unknown> },
  ): Promise<void> => {
    await db.transaction((tx) =>
      appendAuditEvent(tx, { actorId: principal.userId, actorLabel: principal.email, ...event }),
    );
  };

  registerHealthRoutes(app, {
    metrics,
    checks: [{ name: 'database', check: () => database.ping() }, ...(deps.readinessChecks ?? [])],
  });

  registerAskRoute(app, {
    ask: deps.ask,
    authenticate,
    resolveCollections: async (refs) => {
      const { ids, unknown } = await resolveCollectionRefs(db, refs);
      if (unknown.length > 0)
        throw new AppError('invalid_input', `Unknown collection: ${unknown.join(', ')}`);
      return ids;
    },
    onAnswered: (result) => {
      metrics.asks.labels(String(result.answered)).inc();
      metrics.askLatency.observe(result.latencyMs / 1000);
    },
  });

  registerAdminRoutes(app, { config: deps.config, adminApi, authenticate });

  await registerChatPlatforms(app, {
    config: deps.config,
    logger,
    database,
    ask: deps.ask,
    metrics,
    rateLimits: deps.rateLimits,
    ...(deps.teamsCredentials ? { teamsCredentials: deps.teamsCredentials } : {}),
  });

  registerDocumentRoutes(app, {
    documents: deps.documents,
    audit,
    queue: deps.queue,
    authenticate,
    maxUploadBytes: deps.config.MAX_UPLOAD_BYTES,
    ...(deps.assertCanEnqueue ? { assertCanEnqueue: deps.assertCanEnqueue } : {}),
    resolveUploadCollection: async (principal, name) => {
      const existing = await findCollectionByName(db, name);
      if (existing) return existing;
      if (principal.role !== 'admin' && principal.role !== 'curator') {
        throw new AppError('not_found', `No collection named "${name}".`);
      }
      const { collection, created } = await ensureCollection(db, { name, everyone: true });
      if (created) {
        await audit(principal, {
          action: 'collection.create',
          targetType: 'collection',
          targetId: collection.id,
          data: { name, everyone: true, via: 'api' },
        });
      }
      return collection;
    },
    canSeeDocument: async (principal, document) =>
      principal.role !== 'member' || (await canReadCollection(db, principal.userId, document.collectionId)),
  });

  if (deps.consoleDir) await registerConsole(app, { dir: deps.consoleDir });

  return app;
}
