import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { ApiKeyScope, Principal } from '#core';
import { generateApiKey, looksLikeApiKey, sha256Hex } from '../core/security.ts';
import type { Executor } from './client.ts';
import { apiKeys, users } from './schema.ts';

export interface CreatedApiKey {
  readonly id: string;
  /** The full key: shown once, never stored. */
  readonly key: string;
  readonly prefix: string;
}

export async function createApiKey(
  db: Executor,
  input: { userId: string; name: string; scopes: readonly ApiKeyScope[]; expiresAt?: Date | null },
): Promise<CreatedApiKey> {
  const { key, prefix, hash } = generateApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({
      userId: input.userId,
      name: input.name,
      prefix,
      keyHash: hash,
      scopes: [...input.scopes],
      expiresAt: input.expiresAt ?? null,
    })
    .returning({ id: apiKeys.id });
  return { id: row!.id, key, prefix };
}

/** The principal behind a key, or null for unknown, revoked or expired keys and disabled users. */
export async function authenticateApiKey(
  db: Executor,
  key: string,
): Promise<(Principal & { apiKeyId: string }) | null> {
  if (!looksLikeApiKey(key)) return null;
  const [row] = await db
    .select({
      keyId: apiKeys.id,
      scopes: apiKeys.scopes,
      userId: users.id,
      email: users.email,
      role: users.role,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(
      and(
        eq(apiKeys.keyHash, sha256Hex(key)),
        isNull(apiKeys.revokedAt),
        isNull(users.disabledAt),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)),
      ),
    );
  if (!row) return null;
  // Best effort: a lost update of last_used_at is harmless and must not slow the request.
  void db
    .update(apiKeys)
    .set({ lastUsedAt: new Date() })
    .where(eq(apiKeys.id, row.keyId))
    .catch(() => {});
  return {
    apiKeyId: row.keyId,
    userId: row.userId,
    email: row.email,
    role: row.role,
    scopes: row.scopes as ApiKeyScope[],
  };
}
