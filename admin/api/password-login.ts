/**
 * Sign-in with a password. argon2id runs outside any transaction, through a gate that bounds how many run
 * at once, so wrong logins cannot hold a database connection (PGlite has one) or every CPU. Every address
 * is limited per minute. The account-wide limits (attempts per e-mail address, and the lock that doubles
 * with each further failure) bind only addresses that have not signed in to that account recently, so an
 * attacker elsewhere cannot keep the owner out of their usual machine. Success and failure are audited.
 */
import { and, eq, gt, sql } from 'drizzle-orm';
import { AppError, hashPassword, verifyPassword } from '#core';
import { appendAuditEvent, type Db, schema } from '#db';
import type { HashGate } from './hash-gate.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { createSession, type IssuedSession, type SessionMeta } from './refresh-sessions.ts';

const { sessions, users } = schema;
const MAX_LOCK_MS = 24 * 3_600_000;
/** An address that opened a session for an account this recently is the owner's, for the account lock. */
const KNOWN_ADDRESS_DAYS = 90;

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
  /** Attempts per e-mail address from addresses the account does not know (slows distributed guessing). */
  readonly byEmail: RateLimiter;
  readonly hashGate: HashGate;
}

export interface SignedIn {
  readonly user: { id: string; email: string; role: string };
  readonly session: IssuedSession;
}

// Unknown e-mail addresses still pay for one argon2 verification, so timing does not tell them apart.
let dummyHash: Promise<string> | null = null;

function rateLimited(retryAfterSeconds: number): AppError {
  return new AppError(
    'rate_limited',
    `Too many sign-in attempts. Try again in ${retryAfterSeconds} seconds.`,
    {
      details: { retryAfterSeconds },
      localized: { key: 'errors.signInRateLimited', values: { seconds: retryAfterSeconds } },
    },
  );
}

function lockedError(until: Date): AppError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return new AppError(
    'rate_limited',
    `Too many failed sign-in attempts: this account is locked for ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    {
      details: { lockedUntil: until.toISOString() },
      localized: { key: 'errors.accountLocked', values: { minutes } },
    },
  );
}

export async function passwordLogin(
  deps: PasswordLoginDeps,
  input: { email: string; password: string; meta: SessionMeta },
): Promise<SignedIn> {
  const { db } = deps;
  const email = input.email.trim().toLowerCase().slice(0, 320);
  const ip = input.meta.ip ?? 'unknown';
  const address = await deps.byAddress.take(ip);
  if (!address.ok) throw rateLimited(address.retryAfterSeconds);
  const [user] = await db.select().from(users).where(sql`lower(${users.email}) = ${email}`);
  const known = user ? await isKnownAddress(db, user.id, input.meta.ip) : false;
  if (!known) {
    const perEmail = await deps.byEmail.take(email);
    if (!perEmail.ok) throw rateLimited(perEmail.retryAfterSeconds);
  }

  const audit = (action: string, data: Record<string, unknown>) =>
    db.transaction((tx) =>
      appendAuditEvent(tx, {
        actorId: user?.id ?? null,
        actorLabel: user?.email ?? email,
        action,
        targetType: 'user',
        targetId: user?.id ?? null,
        data: { method: 'password', ...data },
        ip: input.meta.ip,
      }),
    );

  if (!user?.passwordHash || user.disabledAt) {
    dummyHash ??= hashPassword('not-a-real-password');
    const stored = await dummyHash;
    await deps.hashGate.run(() => verifyPassword(stored, input.password));
    await audit('auth.login_failed', {
      reason: !user ? 'unknown_user' : user.disabledAt ? 'disabled' : 'no_password',
    });
    throw new AppError('unauthenticated', 'Wrong e-mail address or password.', {
      localized: { key: 'errors.wrongPassword' },
    });
  }

  const now = new Date();
  const lockHolds = user.lockedUntil !== null && user.lockedUntil > now;
  if (lockHolds && !known) {
    await audit('auth.login_failed', { reason: 'locked', lockedUntil: user.lockedUntil!.toISOString() });
    throw lockedError(user.lockedUntil!);
  }

  const passwordHash = user.passwordHash;
  if (!(await deps.hashGate.run(() => verifyPassword(passwordHash, input.password)))) {
    const lockedUntil = await db.transaction(async (tx) => {
      // Counted in SQL: concurrent failures each see their own number.
      const [row] = await tx
        .update(users)
        .set({ failedLogins: sql`${users.failedLogins} + 1`, updatedAt: now })
        .where(eq(users.id, user.id))
        .returning({ failures: users.failedLogins });
      const failures = row?.failures ?? 1;
      const over = failures - deps.policy.maxFailures;
      const until =
        over >= 0
          ? new Date(now.getTime() + Math.min(deps.policy.lockoutMinutes * 60_000 * 2 ** over, MAX_LOCK_MS))
          : null;
      if (until) await tx.update(users).set({ lockedUntil: until }).where(eq(users.id, user.id));
      await appendAuditEvent(tx, {
        actorId: user.id,
        actorLabel: user.email,
        action: 'auth.login_failed',
        targetType: 'user',
        targetId: user.id,
        data: {
          method: 'password',
          reason: 'bad_password',
          failures,
          ...(until ? { lockedUntil: until.toISOString() } : {}),
        },
        ip: input.meta.ip,
      });
      return until;
    });
    if (lockedUntil) throw lockedError(lockedUntil);
    throw new AppError('unauthenticated', 'Wrong e-mail address or password.', {
      localized: { key: 'errors.wrongPassword' },
    });
  }

  const signedIn = await db.transaction(async (tx) => {
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
      data: { method: 'password', ...(lockHolds ? { lockBypassedFromKnownAddress: true } : {}) },
      ip: input.meta.ip,
    });
    return { user: { id: user.id, email: user.email, role: user.role }, session };
  });
  await deps.byEmail.reset(email);
  return signedIn;
}

/** Has this address opened a session for this user recently (the owner's own machine)? */
async function isKnownAddress(db: Db, userId: string, ip: string | null): Promise<boolean> {
  if (!ip) return false;
  const since = new Date(Date.now() - KNOWN_ADDRESS_DAYS * 86_400_000);
  const [row] = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.ip, ip), gt(sessions.createdAt, since)))
    .limit(1);
  return row !== undefined;
}
