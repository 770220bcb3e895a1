/**
 * Single sign-on with OpenID Connect: authorization code flow with PKCE (openid-client), switched on by
 * OIDC_ISSUER_URL. The provider's groups claim is mapped onto ex-GPT groups by their `external_id`.
 * The PKCE verifier, state and nonce travel in a short-lived signed cookie, so any instance can finish
 * the flow. New users join as members; roles are never taken from the provider.
 */
import { and, eq, inArray, isNotNull, notInArray, sql } from 'drizzle-orm';
import { jwtVerify, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { AppError, type Config, type Logger } from '#core';
import { appendAuditEvent, createUser, type Db, type Executor, schema } from '#db';
import type { SignedIn } from './password-login.ts';
import { createSession, type SessionMeta } from './refresh-sessions.ts';

const { groups, identities, memberships, users } = schema;
const STATE_AUDIENCE = 'ex-gpt-oidc-state';
const STATE_TTL_SECONDS = 600;
export const OIDC_PROVIDER = 'oidc';

export interface OidcSignIn {
  /** Where to send the browser, and the signed state to keep in a cookie until the callback. */
  start(
    returnTo: string | undefined,
  ): Promise<{ redirectUrl: string; state: string; stateMaxAgeSeconds: number }>;
  /** Finishes the flow from the callback's query string and the state cookie. */
  finish(
    query: URLSearchParams,
    stateCookie: string | null,
    meta: SessionMeta,
  ): Promise<SignedIn & { returnTo: string }>;
}

export interface OidcOptions {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly secret: string;
  readonly refreshTtlDays: number;
}

export function createOidcSignIn(options: OidcOptions): OidcSignIn | null {
  const { config, db, logger } = options;
  if (!config.OIDC_ISSUER_URL || !config.OIDC_CLIENT_ID) return null;
  const issuerUrl = new URL(config.OIDC_ISSUER_URL);
  const clientId = config.OIDC_CLIENT_ID;
  const redirectUri =
    config.OIDC_REDIRECT_URL ??
    `${(config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '')}/auth/oidc/callback`;
  const key = new TextEncoder().encode(options.secret);
  const groupsClaim = config.OIDC_GROUPS_CLAIM;

  let discovered: Promise<oidc.Configuration> | null = null;
  function configuration(): Promise<oidc.Configuration> {
    discovered ??= oidc
      .discovery(
        issuerUrl,
        clientId,
        undefined,
        config.OIDC_CLIENT_SECRET ? oidc.ClientSecretBasic(config.OIDC_CLIENT_SECRET) : oidc.None(),
        // Plain http only for a provider on this machine (development, the tests' fake provider).
        isLoopback(issuerUrl) && issuerUrl.protocol === 'http:'
          ? { execute: [oidc.allowInsecureRequests] }
          : {},
      )
      .catch((error: unknown) => {
        discovered = null;
        logger.warn({ err: error, issuer: issuerUrl.href }, 'OIDC discovery failed');
        throw new AppError('upstream_unavailable', 'The single sign-on provider cannot be reached.', {
          localized: { key: 'errors.ssoUnreachable' },
          cause: error,
        });
      });
    return discovered;
  }

  return {
    async start(returnTo) {
      const server = await configuration();
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const redirectUrl = oidc.buildAuthorizationUrl(server, {
        redirect_uri: redirectUri,
        scope: config.OIDC_SCOPES,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const signed = await new SignJWT({ verifier, state, nonce, returnTo: safeReturnTo(returnTo) })
        .setProtectedHeader({ alg: 'HS256' })
        .setAudience(STATE_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${STATE_TTL_SECONDS}s`)
        .sign(key);
      return { redirectUrl: redirectUrl.href, state: signed, stateMaxAgeSeconds: STATE_TTL_SECONDS };
    },

    async finish(query, stateCookie, meta) {
      if (!stateCookie)
        throw new AppError('invalid_input', 'The sign-in attempt expired; start again.', {
          localized: { key: 'errors.signInExpired' },
        });
      let stored: { verifier: string; state: string; nonce: string; returnTo: string };
      try {
        const { payload } = await jwtVerify(stateCookie, key, {
          audience: STATE_AUDIENCE,
          algorithms: ['HS256'],
        });
        stored = payload as unknown as typeof stored;
      } catch {
        throw new AppError('invalid_input', 'The sign-in attempt expired; start again.', {
          localized: { key: 'errors.signInExpired' },
        });
      }
      const server = await configuration();
      const callbackUrl = new URL(redirectUri);
      callbackUrl.search = query.toString();
      let claims: Record<string, unknown>;
      try {
        const tokens = await oidc.authorizationCodeGrant(server, callbackUrl, {
          pkceCodeVerifier: stored.verifier,
          expectedState: stored.state,
          expectedNonce: stored.nonce,
          idTokenExpected: true,
        });
        claims = { ...(tokens.claims() ?? {}) };
        if (claims[groupsClaim] === undefined && server.serverMetadata().userinfo_endpoint) {
          const info = await oidc.fetchUserInfo(server, tokens.access_token, String(claims.sub));
          if (info[groupsClaim] !== undefined) claims[groupsClaim] = info[groupsClaim];
          claims.email ??= info.email;
          claims.name ??= info.name;
        }
      } catch (error) {
        if (error instanceof AppError) throw error;
        logger.warn({ err: error }, 'OIDC callback refused');
        throw new AppError(
          'unauthenticated',
          'Single sign-on failed: the provider’s answer was not accepted.',
          {
            cause: error,
          },
        );
      }
      const signedIn = await signInFromClaims(db, {
        issuer: server.serverMetadata().issuer,
        claims,
        groupsClaim,
        refreshTtlDays: options.refreshTtlDays,
        meta,
      });
      return { ...signedIn, returnTo: stored.returnTo };
    },
  };
}

/** Finds or creates the user behind the provider's claims, syncs SSO groups, opens a session: one transaction. */
async function signInFromClaims(
  db: Db,
  input: {
    issuer: string;
    claims: Record<string, unknown>;
    groupsClaim: string;
    refreshTtlDays: number;
    meta: SessionMeta;
  },
): Promise<SignedIn> {
  const { claims } = input;
  const subject = String(claims.sub ?? '');
  const email = pickEmail(claims);
  const name = typeof claims.name === 'string' ? claims.name : null;
  const claimedGroups = toStringList(claims[input.groupsClaim]);
  if (!subject) throw new AppError('unauthenticated', 'Single sign-on failed: no subject in the ID token.');

  return db
    .transaction(async (tx) => {
      const [linked] = await tx
        .select({ userId: identities.userId, identityId: identities.id })
        .from(identities)
        .where(
          and(
            eq(identities.provider, OIDC_PROVIDER),
            eq(identities.tenantId, input.issuer),
            eq(identities.externalId, subject),
          ),
        );
      let userId = linked?.userId ?? null;
      let created = false;
      if (!userId) {
        if (!email)
          throw new AppError(
            'unauthenticated',
            'Single sign-on failed: the provider sent no e-mail address.',
          );
        // Link an existing account by e-mail unless the provider says the address is unverified.
        const [existing] =
          claims.email_verified === false
            ? []
            : await tx
                .select({ id: users.id })
                .from(users)
                .where(sql`lower(${users.email}) = lower(${email})`);
        if (existing) userId = existing.id;
        else if (claims.email_verified === false) {
          throw new AppError(
            'unauthenticated',
            'Single sign-on failed: the provider has not verified this e-mail address.',
          );
        } else {
          userId = (await createUser(tx, { email, name, role: 'member' })).id;
          created = true;
        }
      }
      const [user] = await tx.select().from(users).where(eq(users.id, userId));
      if (!user) throw new AppError('internal', 'The signed-in user vanished.');
      if (user.disabledAt) {
        // Refused, but recorded: the failure must survive the refusal, so it is returned, not thrown.
        await appendAuditEvent(tx, {
          actorId: user.id,
          actorLabel: user.email,
          action: 'auth.login_failed',
          targetType: 'user',
          targetId: user.id,
          data: { method: 'oidc', reason: 'disabled', issuer: input.issuer },
          ip: input.meta.ip,
        });
        return null;
      }

      await tx
        .insert(identities)
        .values({
          userId: user.id,
          provider: OIDC_PROVIDER,
          tenantId: input.issuer,
          externalId: subject,
          email,
          displayName: name,
          lastSeenAt: new Date(),
        })
        .onConflictDoUpdate({
          target: [identities.provider, identities.tenantId, identities.externalId],
          set: { email, displayName: name, lastSeenAt: new Date() },
        });
      const mapped = await syncSsoGroups(tx, user.id, claimedGroups);
      await tx
        .update(users)
        .set({
          lastLoginAt: new Date(),
          failedLogins: 0,
          lockedUntil: null,
          ...(name && !user.name ? { name } : {}),
        })
        .where(eq(users.id, user.id));
      const session = await createSession(tx, {
        userId: user.id,
        ttlDays: input.refreshTtlDays,
        meta: input.meta,
      });
      await appendAuditEvent(tx, {
        actorId: user.id,
        actorLabel: user.email,
        action: 'auth.login',
        targetType: 'user',
        targetId: user.id,
        data: { method: 'oidc', issuer: input.issuer, created, groups: mapped },
        ip: input.meta.ip,
      });
      return { user: { id: user.id, email: user.email, role: user.role }, session };
    })
    .then((signedIn) => {
      if (!signedIn)
        throw new AppError('forbidden', 'This account is disabled.', {
          localized: { key: 'errors.accountDisabled' },
        });
      return signedIn;
    });
}

/**
 * Memberships of groups that have an external id follow the provider: joined when claimed, left when
 * not. Groups without an external id are managed in ex-GPT and left alone. Returns the mapped names.
 */
async function syncSsoGroups(tx: Executor, userId: string, claimed: readonly string[]): Promise<string[]> {
  const matched = claimed.length
    ? await tx
        .select({ id: groups.id, name: groups.name })
        .from(groups)
        .where(inArray(groups.externalId, [...claimed]))
    : [];
  if (matched.length) {
    await tx
      .insert(memberships)
      .values(matched.map((g) => ({ userId, groupId: g.id })))
      .onConflictDoNothing();
  }
  const ssoManaged = tx
    .select({ id: groups.id })
    .from(groups)
    .where(
      and(
        isNotNull(groups.externalId),
        matched.length
          ? notInArray(
              groups.id,
              matched.map((g) => g.id),
            )
          : undefined,
      ),
    );
  await tx
    .delete(memberships)
    .where(and(eq(memberships.userId, userId), inArray(memberships.groupId, ssoManaged)));
  return matched.map((g) => g.name).sort();
}

function pickEmail(claims: Record<string, unknown>): string | null {
  for (const key of ['email', 'preferred_username', 'upn']) {
    const value = claims[key];
    if (typeof value === 'string' && /^[^@\s]+@[^@\s]+$/.test(value)) return value.trim();
  }
  return null;
}

function toStringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

const RETURN_BASE = 'http://return-to.invalid';

/**
 * Only paths on this site survive; anything else becomes `/`. Judged after the URL parser's own
 * normalisation, which is what the browser will follow: it drops tabs and newlines (`/\t/evil` is
 * `//evil`), reads `\` as `/`, and resolves `/.//evil` to `//evil`. The result is the parser's
 * serialisation, so it is percent-encoded ASCII that is always safe in a Location header.
 */
export function safeReturnTo(value: string | undefined): string {
  if (!value || value.length > 2048 || !value.startsWith('/')) return '/';
  // Control characters are refused outright rather than trusting any one parser's way of dropping them.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  let url: URL;
  try {
    url = new URL(value, RETURN_BASE);
  } catch {
    return '/';
  }
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (url.origin !== RETURN_BASE || !path.startsWith('/') || path.startsWith('//')) return '/';
  return path;
}
