/**
 * First start of an empty database: the first admin, the default group, the `general` collection that
 * everyone may read, and an API key for the CLI. Returns the secrets so the caller can print them once.
 */
import { sql } from 'drizzle-orm';
import { generatePassword } from '../core/security.ts';
import { createApiKey } from './api-keys.ts';
import { appendAuditEvent } from './audit-log.ts';
import type { Db } from './client.ts';
import { ensureCollection, GENERAL_COLLECTION } from './collections.ts';
import { countUsers, createUser, ensureDefaultGroup } from './users.ts';

export interface BootstrapInput {
  readonly adminEmail?: string | undefined;
  readonly adminPassword?: string | undefined;
}

export interface BootstrapResult {
  readonly created: boolean;
  readonly adminEmail?: string;
  /** Present only when it was generated here: it cannot be recovered later. */
  readonly generatedPassword?: string;
  readonly cliApiKey?: string;
}

export const DEFAULT_ADMIN_EMAIL = 'admin@example.com';

export async function bootstrapDatabase(db: Db, input: BootstrapInput): Promise<BootstrapResult> {
  return db.transaction(async (tx) => {
    // Web processes and workers starting at once on a fresh database: one creates the first admin, the
    // others wait here and then find it (without the lock both count 0 users and one fails on the e-mail).
    await tx.execute(sql`select pg_advisory_xact_lock(724119002)`);
    await ensureDefaultGroup(tx);
    const { collection, created: collectionCreated } = await ensureCollection(tx, {
      name: GENERAL_COLLECTION,
      everyone: true,
      description: 'Documents every user may read',
    });
    if ((await countUsers(tx)) > 0) return { created: false };

    const email = input.adminEmail ?? DEFAULT_ADMIN_EMAIL;
    const generatedPassword = input.adminPassword ? undefined : generatePassword();
    const admin = await createUser(tx, {
      email,
      name: 'Administrator',
      role: 'admin',
      password: input.adminPassword ?? generatedPassword!,
    });
    const key = await createApiKey(tx, { userId: admin.id, name: 'CLI', scopes: ['ask', 'ingest'] });
    const system = { actorId: null, actorLabel: 'system' } as const;
    await appendAuditEvent(tx, {
      ...system,
      action: 'user.create',
      targetType: 'user',
      targetId: admin.id,
      data: { email, role: 'admin' },
    });
    if (collectionCreated) {
      await appendAuditEvent(tx, {
        ...system,
        action: 'collection.create',
        targetType: 'collection',
        targetId: collection.id,
        data: { name: GENERAL_COLLECTION, everyone: true },
      });
    }
    await appendAuditEvent(tx, {
      ...system,
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: key.id,
      data: { name: 'CLI', userId: admin.id, scopes: ['ask', 'ingest'] },
    });
    return {
      created: true,
      adminEmail: email,
      ...(generatedPassword ? { generatedPassword } : {}),
      cliApiKey: key.key,
    };
  });
}
