/**
 * Short-lived access tokens for the console (HS256 JWTs, signed with JWT_SECRET). A token names the
 * user and the refresh-token family it came from; every request re-reads the user, so disabling a user,
 * changing a role or logging out takes effect at once rather than when the token expires.
 */
import { and, eq, exists, isNull, sql } from 'drizzle-orm';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Principal } from '#core';
import { type Executor, schema } from '#db';

const { sessions, users } = schema;
const ISSUER = 'ex-gpt';
const AUDIENCE = 'ex-gpt-console';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AccessTokens {
  issue(user: { id: string }, familyId: string): Promise<{ token: string; expiresAt: Date }>;
  /** The principal behind a token, or null for bad, expired, logged-out or disabled-user tokens. */
  authenticate(token: string): Promise<(Principal & { sessionFamilyId: string }) | null>;
}

export function looksLikeJwt(value: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value);
}

export function createAccessTokens(options: {
  db: Executor;
  secret: string;
  ttlSeconds: number;
}): AccessTokens {
  const key = new TextEncoder().encode(options.secret);
  return {
    async issue(user, familyId) {
      const expiresAt = new Date((Math.floor(Date.now() / 1000) + options.ttlSeconds) * 1000);
      const token = await new SignJWT({ sid: familyId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(user.id)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(key);
      return { token, expiresAt };
    },

    async authenticate(token) {
      if (!looksLikeJwt(token)) return null;
      let subject: string;
      let familyId: string;
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
        });
        // A token signed with the right secret but naming no user id this API issued is just invalid.
        if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return null;
        if (!UUID.test(payload.sub) || !UUID.test(payload.sid)) return null;
        subject = payload.sub;
        familyId = payload.sid;
      } catch (error) {
        if (error instanceof joseErrors.JOSEError) return null;
        throw error;
      }
      const [user] = await options.db
        .select({ id: users.id, email: users.email, role: users.role })
        .from(users)
        .where(
          and(
            eq(users.id, subject),
            isNull(users.disabledAt),
            exists(
              options.db
                .select({ one: sql`1` })
                .from(sessions)
                .where(
                  and(
                    eq(sessions.familyId, familyId),
                    eq(sessions.userId, users.id),
                    isNull(sessions.revokedAt),
                  ),
                ),
            ),
          ),
        );
      return user ? { userId: user.id, email: user.email, role: user.role, sessionFamilyId: familyId } : null;
    },
  };
}
