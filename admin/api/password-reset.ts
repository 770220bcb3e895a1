/**
 * Recovering a lost password from the machine itself (`npm run admin:reset-password -- EMAIL`): a new
 * generated password, the lockout cleared, every session ended, and an audit event by "system".
 */
import { eq } from 'drizzle-orm';
import { AppError, generatePassword, hashPassword } from '#core';
import { appendAuditEvent, type Db, findUserByEmail, schema } from '#db';
import { revokeUserSessions } from './refresh-sessions.ts';

export interface PasswordReset {
  readonly email: string;
  readonly password: string;
  /** A disabled account stays disabled: the caller says so. */
  readonly disabled: boolean;
}

export async function resetPasswordByEmail(
  db: Db,
  email: string,
  actorLabel = 'system (admin:reset-password)',
): Promise<PasswordReset> {
  const user = await findUserByEmail(db, email.trim());
  if (!user) throw new AppError('not_found', `No user with the e-mail address ${email.trim()}.`);
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  await db.transaction(async (tx) => {
    await tx
      .update(schema.users)
      .set({ passwordHash, failedLogins: 0, lockedUntil: null, updatedAt: new Date() })
      .where(eq(schema.users.id, user.id));
    await revokeUserSessions(tx, user.id);
    await appendAuditEvent(tx, {
      actorId: null,
      actorLabel,
      action: 'user.password_reset',
      targetType: 'user',
      targetId: user.id,
      data: { email: user.email, via: 'cli' },
    });
  });
  return { email: user.email, password, disabled: user.disabledAt !== null };
}
