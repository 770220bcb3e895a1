/**
 * The web process's HTTP app. `buildApp` never listens: `main.ts` does, tests use `app.inject`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  AppError,
  type Ask,
  assertNoNulCharacters,
  type Config,
  type DocumentRepository,
  type FileStore,
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
import {
  type MetricsAccess,
  type ReadinessCheck,
  ReadinessFailure,
  registerHealthRoutes,
  registerMetricsRoute,
} from './health-routes.ts';
import { installErrorHandler } from './http-errors.ts';
import { registerLocalAdminRoutes } from './local-admin-routes.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { cachedModelProbe } from './model-probe.ts';
import { registerAskRoute } from './rest/ask-route.ts';
import { createDiskSpaceGuard } from './rest/disk-space.ts';
import { registerDocumentRoutes } from './rest/documents-route.ts';
import { createSystemStatusReader, defaultJobsStatus, type JobsStatus } from './system-status.ts';
import type { TeamsCredentialsFactory } from './teams/index.ts';

/** See the database readiness check below. */
const EMBEDDED_PING_TIMEOUT_MS = 10_000;
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly ask: Ask;
  readonly documents: DocumentRepository;
  /** Where uploads stream to (engine.files); without it they are read into memory. */
  readonly files?: FileStore;
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
  /** The job queue's figures for the System status page (default: what an in-process queue reports). */
  readonly jobsStatus?: () => Promise<JobsStatus>;
  /** Authorises `npm run admin:reset-password` through this server (see local-admin-token.ts). */
  readonly localAdminToken?: string;
  /** Teams' outbound credentials (tests: a fake token instead of Entra ID). */
  readonly teamsCredentials?: TeamsCredentialsFactory;
}

/** Below /readyz's own 2 s per check, so a slow model server reads as "no answer", not a timeout. */
const MODEL_PROBE_TIMEOUT_MS = 1500;

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
    // X-Forwarded-For/-Host/-Proto are believed only from the proxies TRUST_PROXY names: anyone else
    // could pick their own address (dodging rate limits, forging the audit log) or host.
    trustProxy: trustProxyOf(deps.config.TRUST_PROXY),
  });
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    // Every response, JSON and errors included: a browser must never guess a script out of them.
    void reply.header('x-content-type-options', 'nosniff');
    // Only when the request really came over https (directly, or through a trusted proxy).
    if (request.protocol === 'https') void reply.header('strict-transport-security', 'max-age=31536000');
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration
      .labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
  });
  installErrorHandler(app, logger);
  // PostgreSQL cannot store NUL in text: refused at the door with the field's name, never a 500 later.
  // GraphQL checks its own arguments (yoga plugin); chat routes are signed by Slack and Microsoft.
  app.addHook('preHandler', async (request) => {
    const url = request.routeOptions.url ?? '';
    if (!url.startsWith('/api/v1/') && !url.startsWith('/auth/')) return;
    assertNoNulCharacters(request.query);
    if (request.body !== null && typeof request.body === 'object' && !Buffer.isBuffer(request.body)) {
      assertNoNulCharacters(request.body);
    }
  });
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
    systemStatus: createSystemStatusReader({
      config: deps.config,
      database,
      jobs: deps.jobsStatus ?? defaultJobsStatus(deps.queue),
    }),
    jwtSecret: deps.jwtSecret ?? deps.config.JWT_SECRET ?? randomBytes(32).toString('base64url'),
    rateLimits: deps.rateLimits,
  });
  const authenticate: Authenticator = combineAuthenticators(
    async (key, use) => {
      const principal = await authenticateApiKey(db, key);
      // Every use of a key is audited (shared/design.md): who, which key, from where, for what.
      if (principal) {
        await db.transaction((tx) =>
          appendAuditEvent(tx, {
            actorId: principal.userId,
            actorLabel: principal.email,
            action: 'api_key.use',
            targetType: 'api_key',
            targetId: principal.apiKeyId,
            data: { route: use?.route ?? null },
            ip: use?.ip ?? null,
          }),
        );
      }
      return principal;
    },
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

  const probeModel = deps.config.CHAT_MODEL
    ? cachedModelProbe(deps.config, { timeoutMs: MODEL_PROBE_TIMEOUT_MS, maxAgeMs: 15_000 })
    : null;
  registerHealthRoutes(app, {
    metrics,
    checks: [
      {
        name: 'database',
        check: () => database.ping(),
        // The embedded database has one backend: a ping waits behind the statement running (an index
        // write part, one step of the idle vacuum: up to ~0.9 s measured at load 17), and 2 s took this
        // only instance out of a load balancer during ordinary ingestion. Busy is not down.
        ...(database.embedded ? { timeoutMs: EMBEDDED_PING_TIMEOUT_MS } : {}),
      },
      ...(deps.readinessChecks ?? []),
      ...(probeModel
        ? [
            {
              name: 'chatModel',
              optional: true,
              check: async () => {
                const probe = await probeModel();
                if (!probe.reachable) throw new ReadinessFailure(probe.reason ?? 'not reachable');
              },
            },
          ]
        : []),
    ],
    metricsAccess: metricsAccessOf(deps.config),
  });
  const metricsPort = deps.config.METRICS_PORT;
  if (metricsPort !== undefined) {
    // Listens when the app does, so main stays the one place that starts listening.
    const metricsApp = Fastify({ loggerInstance: logger as FastifyBaseLogger });
    registerMetricsRoute(
      metricsApp,
      metrics,
      deps.config.METRICS_TOKEN ? { kind: 'token', token: deps.config.METRICS_TOKEN } : { kind: 'public' },
    );
    app.addHook('onListen', async () => {
      await metricsApp.listen({ port: metricsPort, host: deps.config.HOST });
    });
    app.addHook('onClose', async () => {
      await metricsApp.close();
    });
  }

  registerAskRoute(app, {
    ask: deps.ask,
    authenticate,
    resolveCollections: async (principal, refs) => {
      const { ids, unknown } = await resolveCollectionRefs(db, refs);
      const readable = await Promise.all(ids.map((id) => canReadCollection(db, principal.userId, id)));
      // One answer for "no such collection" and "not yours", and the names are not echoed: the caller
      // learns neither which collections exist nor gets their own input (up to 1 MB) back.
      const refused = unknown.length + readable.filter((ok) => !ok).length;
      if (refused > 0) {
        throw new AppError(
          'invalid_input',
          `Invalid input. collections: ${refused} of the ${refs.length} named do not exist or are not readable by you.`,
          { details: { fields: { collections: 'unknown or not readable' } } },
        );
      }
      return ids;
    },
    onAnswered: (result) => {
      metrics.asks.labels(String(result.answered)).inc();
      metrics.askLatency.observe(result.latencyMs / 1000);
    },
  });

  registerAdminRoutes(app, { config: deps.config, adminApi, authenticate });
  if (deps.localAdminToken) registerLocalAdminRoutes(app, { db, token: deps.localAdminToken });

  await registerChatPlatforms(app, {
    config: deps.config,
    logger,
    database,
    ask: deps.ask,
    metrics,
    rateLimits: deps.rateLimits,
    ...(deps.teamsCredentials ? { teamsCredentials: deps.teamsCredentials } : {}),
  });

  const assertDiskSpace = createDiskSpaceGuard({
    dir: deps.config.DATA_DIR,
    minFreeBytes: deps.config.MIN_FREE_DISK_MB * 2 ** 20,
  });
  registerDocumentRoutes(app, {
    documents: deps.documents,
    ...(deps.files ? { files: deps.files } : {}),
    audit,
    queue: deps.queue,
    authenticate,
    maxUploadBytes: deps.config.MAX_UPLOAD_BYTES,
    assertCanEnqueue: async () => {
      await deps.assertCanEnqueue?.();
      await assertDiskSpace();
    },
    resolveUploadCollection: async (principal, name) => {
      const existing = await findCollectionByName(db, name);
      if (existing) return existing;
      if (principal.role !== 'admin' && principal.role !== 'curator') {
        throw new AppError('not_found', 'No such collection.', {
          localized: { key: 'errors.noSuchCollection' },
        });
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

/** /metrics on the main port: with a token, in development, or not at all (METRICS_PORT serves it then). */
function metricsAccessOf(config: Config): MetricsAccess {
  if (config.METRICS_TOKEN) return { kind: 'token', token: config.METRICS_TOKEN };
  if (config.NODE_ENV === 'development' && config.METRICS_PORT === undefined) return { kind: 'public' };
  return { kind: 'none' };
}

/** A hop count trusts that many proxies nearest to us (fastify's types omit the number form). */
function trustProxyOf(
  value: Config['TRUST_PROXY'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (value === undefined) return false;
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return value;
}
