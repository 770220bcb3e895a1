/** What every resolver gets: the caller, the request's client details, and the services it may use. */
import type { YogaInitialContext } from 'graphql-yoga';
import {
  AppError,
  type Config,
  type DocumentRepository,
  type JobQueue,
  type Logger,
  type Principal,
  type ProgressFeed,
} from '#core';
import { type AuditInput, appendAuditEvent, type Db, type Executor } from '#db';
import type { AccessTokens } from './access-tokens.ts';
import type { OidcSignIn } from './oidc-sign-in.ts';
import type { PasswordLoginDeps } from './password-login.ts';
import type { SessionMeta } from './refresh-sessions.ts';
import type { SystemStatus } from './schema/system.ts';

export interface AdminServices {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Db;
  readonly queue: JobQueue;
  readonly documents: DocumentRepository;
  readonly progressFeed: ProgressFeed | null;
  readonly tokens: AccessTokens;
  readonly login: PasswordLoginDeps;
  readonly oidc: OidcSignIn | null;
  /** Reads the System status page's figures (the web process wires it; null elsewhere). */
  readonly systemStatus: (() => Promise<SystemStatus>) | null;
  /** Whether cookies get the Secure attribute (https deployments). */
  readonly secureCookies: boolean;
}

export type SignedInPrincipal = Principal & { readonly sessionFamilyId: string };

/** What the admin API adds to yoga's own context (request, params). */
export interface AdminContextFields {
  readonly principal: SignedInPrincipal | null;
  readonly meta: SessionMeta;
  readonly services: AdminServices;
  /** Adds a Set-Cookie header to this request's response. */
  setCookie(cookie: string): void;
}

export type AdminContext = YogaInitialContext & AdminContextFields;

/** The signed-in caller; the access rules have already let only signed-in callers reach non-public fields. */
export function actorOf(ctx: AdminContext): SignedInPrincipal {
  if (!ctx.principal)
    throw new AppError('unauthenticated', 'Sign in first.', { localized: { key: 'errors.signInFirst' } });
  return ctx.principal;
}

export type AuditRecord = Omit<AuditInput, 'actorId' | 'actorLabel' | 'ip'>;

/**
 * Runs a change and records its audit event(s) in the same transaction: both commit or neither does.
 * `record` may be called more than once; a change that records nothing is a bug the tests catch.
 */
export function audited<T>(
  ctx: AdminContext,
  change: (tx: Executor, record: (event: AuditRecord) => Promise<void>) => Promise<T>,
): Promise<T> {
  const actor = actorOf(ctx);
  return ctx.services.db.transaction(async (tx) =>
    change(tx, async (event) => {
      await appendAuditEvent(tx, {
        ...event,
        actorId: actor.userId,
        actorLabel: actor.email,
        ip: ctx.meta.ip,
      });
    }),
  );
}
