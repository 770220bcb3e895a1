/**
 * Refresh-token families (the sessions table). A refresh token is a random string; only its SHA-256 is
 * stored. Each use rotates it: the old row is marked rotated and a new one joins the same family.
 * Presenting a rotated (or revoked) token again means it was copied: the whole family is revoked.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq, isNull, ne } from 'drizzle-orm';
import { sha256Hex } from '#core';
import { appendAuditEvent, type Executor, schema } from '#db';

const { sessions, users } = schema;

export interface SessionMeta {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface IssuedSession {
  readonly token: string;
  readonly familyId: string;
  readonly expiresAt: Date;
}

export async function createSession(
  tx: Executor,
  input: { userId: string; ttlDays: number; familyId?: string; meta: SessionMeta },
): Promise<IssuedSession> {
  const token = randomBytes(32).toString('base64url');
  const familyId = input.familyId ?? randomUUID();
  const expiresAt = new Date(Date.now() + input.ttlDays * 86_400_000);
  await tx.insert(sessions).values({
    userId: input.userId,
    familyId,
    tokenHash: sha256Hex(token),
    expiresAt,
    userAgent: input.meta.userAgent?.slice(0, 500) ?? null,
    ip: input.meta.ip,
  });
  return { token, familyId, expiresAt };
}

export type RotationOutcome =
  | { readonly kind: 'rotated'; readonly userId: string; readonly session: IssuedSession }
  | { readonly kind: 'reused'; readonly userId: string; readonly familyId: string }
  | { readonly kind: 'invalid' };

/** Exchanges a refresh token for a new one; detects reuse and revokes the family (audited). */
export async function rotateSession(
  db: Executor,
  token: string,
  input: { ttlDays: number; meta: SessionMeta },
): Promise<RotationOutcome> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({
        id: sessions.id,
        userId: sessions.userId,
        familyId: sessions.familyId,
        expiresAt: sessions.expiresAt,
        rotatedAt: sessions.rotatedAt,
        revokedAt: sessions.revokedAt,
        email: users.email,
        disabledAt: users.disabledAt,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.tokenHash, sha256Hex(token)))
      .for('update', { of: sessions });
    if (!row) return { kind: 'invalid' };
    if (row.rotatedAt || row.revokedAt) {
      // Already revoked (logout, or an earlier reuse): nothing more to revoke or record.
      if (row.revokedAt) return { kind: 'invalid' };
      await revokeFamily(tx, row.familyId);
      await appendAuditEvent(tx, {
        actorId: row.userId,
        actorLabel: row.email,
        action: 'auth.refresh_reuse',
        targetType: 'session',
        targetId: row.familyId,
        data: { revoked: 'family' },
        ip: input.meta.ip,
      });
      return { kind: 'reused', userId: row.userId, familyId: row.familyId };
    }
    if (row.expiresAt.getTime() <= Date.now() || row.disabledAt) {
      await revokeFamily(tx, row.familyId);
      return { kind: 'invalid' };
    }
    await tx.update(sessions).set({ rotatedAt: new Date() }).where(eq(sessions.id, row.id));
    const session = await createSession(tx, {
      userId: row.userId,
      familyId: row.familyId,
      ttlDays: input.ttlDays,
      meta: input.meta,
    });
    return { kind: 'rotated', userId: row.userId, session };
  });
}

export async function revokeFamily(tx: Executor, familyId: string): Promise<void> {
  await tx
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.familyId, familyId), isNull(sessions.revokedAt)));
}

/** Every session of a user (disable, password reset), optionally keeping one family (the current one). */
export async function revokeUserSessions(
  tx: Executor,
  userId: string,
  keepFamilyId?: string | null,
): Promise<void> {
  await tx
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        keepFamilyId ? ne(sessions.familyId, keepFamilyId) : undefined,
      ),
    );
}

/** The family of a refresh token, whatever its state (for logout). */
export async function familyOfToken(
  db: Executor,
  token: string,
): Promise<{ familyId: string; userId: string } | null> {
  const [row] = await db
    .select({ familyId: sessions.familyId, userId: sessions.userId })
    .from(sessions)
    .where(eq(sessions.tokenHash, sha256Hex(token)));
  return row ?? null;
}
