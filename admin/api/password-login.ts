/**
 * Sign-in with a password: argon2id, a per-address rate limit, and an account lockout that doubles
 * with every further failure. Success and failure are both audited, in the transaction that records them.
 */
import { eq, sql } from 'drizzle-orm';
import { AppError, hashPassword, verifyPassword } from '#core';
import { appendAuditEvent, type Db, schema } from '#db';
import type { RateLimiter } from './rate-limiter.ts';
import { createSession, type IssuedSession, type SessionMeta } from './refresh-sessions.ts';

const { users } = schema;
const MAX_LOCK_MS = 24 * 3_600_000;

export interface LoginPolicy {
  readonly maxFailures: number;
  readonly lockoutMinutes: number;
  readonly refreshTtlDays: number;
}

export interface PasswordLoginDeps {
  readonly db: Db;
  readonly policy: LoginPolicy;
  /** Attempts per client address. */
  readonly byAddress: RateLimiter;
  /** Attempts per e-mail address, whatever the client address (slows down distributed guessing). */
  readonly byEmail: RateLimiter;
}

export interface SignedIn {
  readonly user: { id: string; email: string; role: string };
  readonly session: IssuedSession;
}

// Unknown e-mail addresses still pay for one argon2 verification, so timing does not tell them apart.
let dummyHash: Promise<string> | null = null;

type Outcome = { kind: 'ok'; signedIn: SignedIn } | { kind: 'bad' } | { kind: 'locked'; until: Date };

export async function passwordLogin(
  deps: PasswordLoginDeps,
  input: { email: string; password: string; meta: SessionMeta },
): Promise<SignedIn> {
  const email = input.email.trim().toLowerCase().slice(0, 320);
  const address = await deps.byAddress.take(input.meta.ip ?? 'unknown');
  const perEmail = await deps.byEmail.take(email);
  if (!address.ok || !perEmail.ok) {
    const retry = Math.max(address.retryAfterSeconds, perEmail.retryAfterSeconds);
    throw new AppError('rate_limited', `Too many sign-in attempts. Try again in ${retry} seconds.`, {
      details: { retryAfterSeconds: retry },
    });
  }

  const outcome = await deps.db.transaction(async (tx): Promise<Outcome> => {
    const [user] = await tx.select().from(users).where(sql`lower(${users.email}) = ${email}`).for('update');
    const fail = (reason: string, data: Record<string, unknown> = {}) =>
      appendAuditEvent(tx, {
        actorId: user?.id ?? null,
        actorLabel: user?.email ?? email,
        action: 'auth.login_failed',
        targetType: 'user',
        targetId: user?.id ?? null,
        data: { method: 'password', reason, ...data },
        ip: input.meta.ip,
      });

    if (!user?.passwordHash || user.disabledAt) {
      dummyHash ??= hashPassword('not-a-real-password');
      await verifyPassword(await dummyHash, input.password);
      await fail(!user ? 'unknown_user' : user.disabledAt ? 'disabled' : 'no_password');
      return { kind: 'bad' };
    }
    const now = new Date();
    if (user.lockedUntil && user.lockedUntil > now) {
      await fail('locked', { lockedUntil: user.lockedUntil.toISOString() });
      return { kind: 'locked', until: user.lockedUntil };
    }
    if (!(await verifyPassword(user.passwordHash, input.password))) {
      const failures = user.failedLogins + 1;
      const over = failures - deps.policy.maxFailures;
      const lockedUntil =
        over >= 0
          ? new Date(now.getTime() + Math.min(deps.policy.lockoutMinutes * 60_000 * 2 ** over, MAX_LOCK_MS))
          : null;
      await tx
        .update(users)
        .set({ failedLogins: failures, lockedUntil, updatedAt: now })
        .where(eq(users.id, user.id));
      await fail('bad_password', {
        failures,
        ...(lockedUntil ? { lockedUntil: lockedUntil.toISOString() } : {}),
      });
      return lockedUntil ? { kind: 'locked', until: lockedUntil } : { kind: 'bad' };
    }

    await tx
      .update(users)
      .set({ failedLogins: 0, lockedUntil: null, lastLoginAt: now, updatedAt: now })
      .where(eq(users.id, user.id));
    const session = await createSession(tx, {
      userId: user.id,
      ttlDays: deps.policy.refreshTtlDays,
      meta: input.meta,
    });
    await appendAuditEvent(tx, {
      actorId: user.id,
      actorLabel: user.email,
      action: 'auth.login',
      targetType: 'user',
      targetId: user.id,
      data: { method: 'password' },
      ip: input.meta.ip,
    });
    return { kind: 'ok', signedIn: { user: { id: user.id, email: user.email, role: user.role }, session } };
  });

  switch (outcome.kind) {
    case 'ok':
      await deps.byEmail.reset(email);
      return outcome.signedIn;
    case 'locked': {
      const minutes = Math.max(1, Math.ceil((outcome.until.getTime() - Date.now()) / 60_000));
      throw new AppError(
        'rate_limited',
        `Too many failed sign-in attempts: this account is locked for ${minutes} minute${minutes === 1 ? '' : 's'}.`,
        { details: { lockedUntil: outcome.until.toISOString() } },
      );
    }
    case 'bad':
      throw new AppError('unauthenticated', 'Wrong e-mail address or password.');
  }
}
