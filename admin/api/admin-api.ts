/**
 * The admin API as the web process mounts it: the GraphQL server, the cookie-based session endpoints
 * (refresh, logout), OIDC sign-in, the access-token authenticator for REST, and exports.
 * Framework-neutral: bot/admin-routes.ts maps these onto fastify routes.
 */
import { eq } from 'drizzle-orm';
import {
  AppError,
  type Config,
  type DocumentRepository,
  type JobQueue,
  type Logger,
  type ProgressFeed,
  type RateLimitStore,
} from '#core';
import { appendAuditEvent, type Db, findUserById, schema } from '#db';
import { type AccessTokens, createAccessTokens } from './access-tokens.ts';
import type { AdminServices } from './context.ts';
import {
  clearedRefreshCookie,
  OIDC_STATE_COOKIE,
  OIDC_STATE_COOKIE_PATH,
  REFRESH_COOKIE,
  readCookie,
  refreshCookie,
  serializeCookie,
} from './cookies.ts';
import { createHashGate } from './hash-gate.ts';
import { createOidcSignIn, type OidcSignIn } from './oidc-sign-in.ts';
import { createRateLimiter } from './rate-limiter.ts';
import { familyOfToken, revokeFamily, rotateSession, type SessionMeta } from './refresh-sessions.ts';
import type { SystemStatus } from './schema/system.ts';
import { type AdminYoga, createAdminYoga } from './yoga-server.ts';

export interface AdminApiDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Db;
  readonly queue: JobQueue;
  readonly documents: DocumentRepository;
  readonly progressFeed?: ProgressFeed | null | undefined;
  /** The System status page's figures; without it the query answers "unavailable". */
  readonly systemStatus?: (() => Promise<SystemStatus>) | undefined;
  /** See resolveJwtSecret: JWT_SECRET, or the one generated in DATA_DIR. */
  readonly jwtSecret: string;
  /** Where sign-in attempts are counted: shared (Redis) with several web processes; in memory by default. */
  readonly rateLimits?: RateLimitStore | undefined;
}

export interface SessionGrant {
  readonly token: string;
  readonly expiresAt: Date;
  readonly user: {
    readonly id: string;
    readonly email: string;
    readonly name: string | null;
    readonly role: string;
    /** The console language the user chose; null: the browser's. */
    readonly locale: string | null;
  };
}

export type RefreshResult =
  | { readonly ok: true; readonly grant: SessionGrant; readonly cookie: string }
  | { readonly ok: false; readonly error: AppError; readonly cookie: string };

export interface AdminApi {
  readonly yoga: AdminYoga;
  readonly tokens: AccessTokens;
  readonly oidc: OidcSignIn | null;
  readonly services: AdminServices;
  /** Rotates the refresh cookie and issues a new access token; failures also clear the cookie. */
  refresh(cookieHeader: string | undefined, meta: SessionMeta): Promise<RefreshResult>;
  /** Ends the cookie's session family (audited) and returns the clearing cookie. */
  logout(cookieHeader: string | undefined, meta: SessionMeta): Promise<{ cookie: string }>;
  oidcStart(returnTo: string | undefined): Promise<{ redirectUrl: string; cookie: string }>;
  oidcFinish(
    query: URLSearchParams,
    cookieHeader: string | undefined,
    meta: SessionMeta,
  ): Promise<{ redirectTo: string; cookies: string[] }>;
}

export function createAdminApi(deps: AdminApiDeps): AdminApi {
  const { config, db } = deps;
  const secureCookies =
    config.NODE_ENV === 'production' || (config.PUBLIC_URL?.startsWith('https:') ?? false);
  const tokens = createAccessTokens({
    db,
    secret: deps.jwtSecret,
    ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  });
  const oidc = createOidcSignIn({
    config,
    db,
    logger: deps.logger,
    secret: deps.jwtSecret,
    refreshTtlDays: config.REFRESH_TOKEN_TTL_DAYS,
  });
  const services: AdminServices = {
    config,
    logger: deps.logger,
    db,
    queue: deps.queue,
    documents: deps.documents,
    progressFeed: deps.progressFeed ?? null,
    systemStatus: deps.systemStatus ?? null,
    tokens,
    login: {
      db,
      policy: {
        maxFailures: config.LOGIN_MAX_FAILURES,
        lockoutMinutes: config.LOGIN_LOCKOUT_MINUTES,
        refreshTtlDays: config.REFRESH_TOKEN_TTL_DAYS,
      },
      byAddress: createRateLimiter({
        limit: config.LOGIN_RATE_LIMIT_PER_MINUTE,
        windowMs: 60_000,
        scope: 'login-address',
        ...(deps.rateLimits ? { store: deps.rateLimits } : {}),
      }),
      byEmail: createRateLimiter({
        limit: config.LOGIN_RATE_LIMIT_PER_MINUTE,
        windowMs: 60_000,
        scope: 'login-email',
        ...(deps.rateLimits ? { store: deps.rateLimits } : {}),
      }),
      hashGate: createHashGate({
        concurrency: config.LOGIN_HASH_CONCURRENCY,
        queue: config.LOGIN_HASH_CONCURRENCY * 4,
      }),
    },
    oidc,
    secureCookies,
  };
  const yoga = createAdminYoga(services);
  const stateCookie = (value: string, maxAgeSeconds: number) =>
    // Lax, not Strict: the provider's redirect back to the callback is a cross-site navigation.
    serializeCookie(OIDC_STATE_COOKIE, value, {
      path: OIDC_STATE_COOKIE_PATH,
      maxAgeSeconds,
      sameSite: 'Lax',
      secure: secureCookies,
    });

  async function grantFor(userId: string, familyId: string): Promise<SessionGrant> {
    const user = await findUserById(db, userId);
    if (!user)
      throw new AppError('unauthenticated', 'Sign in again.', { localized: { key: 'errors.signInAgain' } });
    const { token, expiresAt } = await tokens.issue(user, familyId);
    return {
      token,
      expiresAt,
      user: { id: user.id, email: user.email, name: user.name, role: user.role, locale: user.locale },
    };
  }

  return {
    yoga,
    tokens,
    oidc,
    services,

    async refresh(cookieHeader, meta) {
      const cleared = clearedRefreshCookie(secureCookies);
      const token = readCookie(cookieHeader, REFRESH_COOKIE);
      if (!token)
        return {
          ok: false,
          error: new AppError('unauthenticated', 'No session: sign in.', {
            localized: { key: 'errors.noSession' },
          }),
          cookie: cleared,
        };
      const outcome = await rotateSession(db, token, { ttlDays: config.REFRESH_TOKEN_TTL_DAYS, meta });
      if (outcome.kind === 'reused') {
        const error = new AppError(
          'unauthenticated',
          'This session was ended because its refresh token was used twice (a sign of theft). Sign in again.',
          { localized: { key: 'errors.sessionReused' } },
        );
        return { ok: false, error, cookie: cleared };
      }
      if (outcome.kind === 'invalid') {
        return {
          ok: false,
          error: new AppError('unauthenticated', 'Your session has ended: sign in again.', {
            localized: { key: 'errors.sessionEnded' },
          }),
          cookie: cleared,
        };
      }
      return {
        ok: true,
        grant: await grantFor(outcome.userId, outcome.session.familyId),
        cookie: refreshCookie(outcome.session.token, outcome.session.expiresAt, secureCookies),
      };
    },

    async logout(cookieHeader, meta) {
      const token = readCookie(cookieHeader, REFRESH_COOKIE);
      const family = token ? await familyOfToken(db, token) : null;
      if (family) {
        await db.transaction(async (tx) => {
          const [user] = await tx
            .select({ email: schema.users.email })
            .from(schema.users)
            .where(eq(schema.users.id, family.userId));
          await revokeFamily(tx, family.familyId);
          await appendAuditEvent(tx, {
            actorId: family.userId,
            actorLabel: user?.email ?? family.userId,
            action: 'auth.logout',
            targetType: 'session',
            targetId: family.familyId,
            ip: meta.ip,
          });
        });
      }
      return { cookie: clearedRefreshCookie(secureCookies) };
    },

    async oidcStart(returnTo) {
      if (!oidc)
        throw new AppError('not_found', 'Single sign-on is not configured.', {
          localized: { key: 'errors.ssoNotConfigured' },
        });
      const started = await oidc.start(returnTo);
      return {
        redirectUrl: started.redirectUrl,
        cookie: stateCookie(started.state, started.stateMaxAgeSeconds),
      };
    },

    async oidcFinish(query, cookieHeader, meta) {
      if (!oidc)
        throw new AppError('not_found', 'Single sign-on is not configured.', {
          localized: { key: 'errors.ssoNotConfigured' },
        });
      const clearState = stateCookie('', 0);
      if (query.get('error')) {
        deps.logger.warn(
          { error: query.get('error'), description: query.get('error_description') },
          'OIDC provider refused',
        );
        return { redirectTo: '/?sign_in_error=sso_refused', cookies: [clearState] };
      }
      try {
        const signedIn = await oidc.finish(query, readCookie(cookieHeader, OIDC_STATE_COOKIE), meta);
        return {
          redirectTo: signedIn.returnTo,
          cookies: [
            clearState,
            refreshCookie(signedIn.session.token, signedIn.session.expiresAt, secureCookies),
          ],
        };
      } catch (error) {
        const code = error instanceof AppError ? error.code : 'internal';
        if (code === 'internal') deps.logger.error({ err: error }, 'OIDC sign-in failed');
        return { redirectTo: `/?sign_in_error=${code}`, cookies: [clearState] };
      }
    },
  };
}
