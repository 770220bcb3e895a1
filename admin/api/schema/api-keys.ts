/** API keys for services and scripts: scoped, stored hashed, shown once, revocable. */
import type { IResolvers } from '@graphql-tools/utils';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { API_KEY_SCOPES, type ApiKeyScope, AppError, type Role } from '#core';
import { createApiKey, findUserById, schema } from '#db';
import { type AdminContext, actorOf, audited } from '../context.ts';
import { idRule, nameRule, parseInput } from '../validation.ts';

const { apiKeys } = schema;
type ApiKeyRow = typeof apiKeys.$inferSelect;

/** A key never does more than its owner's role allows: scopes are refused up front, not at use. */
const SCOPE_ROLES: Record<ApiKeyScope, readonly Role[]> = {
  ask: ['admin', 'curator', 'auditor', 'member'],
  ingest: ['admin', 'curator'],
  'read:audit': ['admin', 'auditor'],
};

export const typeDefs = `
type ApiKey {
  id: ID!
  name: String!
  "The first characters of the key, to tell keys apart."
  prefix: String!
  "ask, ingest, read:audit"
  scopes: [String!]!
  user: User!
  createdAt: DateTime!
  expiresAt: DateTime
  lastUsedAt: DateTime
  revokedAt: DateTime
}

type CreatedApiKey {
  id: ID!
  name: String!
  prefix: String!
  scopes: [String!]!
  user: User!
  createdAt: DateTime!
  expiresAt: DateTime
  "The key itself: shown this once, never stored."
  key: String!
}

type Query {
  apiKeys(userId: ID, includeRevoked: Boolean = false): [ApiKey!]! @allow(roles: [admin])
}

type Mutation {
  "A key for userId (default: you) with scopes ask, ingest and/or read:audit (default: ask)."
  createApiKey(name: String!, scopes: [String!], userId: ID, expiresAt: DateTime): CreatedApiKey! @allow(roles: [admin])
  revokeApiKey(id: ID!): ApiKey! @allow(roles: [admin])
}
`;

const userOf = (key: { userId: string }, _args: unknown, ctx: AdminContext) =>
  findUserById(ctx.services.db, key.userId);

export const resolvers: IResolvers<unknown, AdminContext> = {
  ApiKey: { user: userOf },
  CreatedApiKey: { user: userOf },
  Query: {
    apiKeys: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({ userId: idRule.nullish(), includeRevoked: z.boolean().nullish() }),
        args,
      );
      return ctx.services.db
        .select()
        .from(apiKeys)
        .where(
          and(
            input.userId ? eq(apiKeys.userId, input.userId) : undefined,
            input.includeRevoked ? undefined : isNull(apiKeys.revokedAt),
          ),
        )
        .orderBy(desc(apiKeys.createdAt))
        .limit(1000);
    },
  },
  Mutation: {
    createApiKey: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({
          name: nameRule,
          scopes: z
            .array(z.enum(API_KEY_SCOPES, { message: `must be one of ${API_KEY_SCOPES.join(', ')}` }))
            .min(1, 'name at least one scope')
            .nullish()
            .transform((v) => [...new Set(v ?? ['ask' as const])]),
          userId: idRule.nullish(),
          expiresAt: z.date().nullish(),
        }),
        args,
      );
      if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
        throw new AppError('invalid_input', 'Invalid input. expiresAt: must be in the future', {
          details: { fields: { expiresAt: 'must be in the future' } },
        });
      }
      const userId = input.userId ?? actorOf(ctx).userId;
      return audited(ctx, async (tx, record) => {
        const owner = await findUserById(tx, userId);
        if (!owner)
          throw new AppError('not_found', 'No such user.', { localized: { key: 'errors.noSuchUser' } });
        if (owner.disabledAt)
          throw new AppError('conflict', 'This user is disabled.', {
            localized: { key: 'errors.userDisabled' },
          });
        const refused = input.scopes.filter((scope) => !SCOPE_ROLES[scope].includes(owner.role));
        if (refused.length) {
          throw new AppError(
            'invalid_input',
            `Invalid input. scopes: the ${owner.role} role cannot hold ${refused.join(', ')}`,
            {
              details: { fields: { scopes: `the ${owner.role} role cannot hold ${refused.join(', ')}` } },
            },
          );
        }
        const created = await createApiKey(tx, {
          userId,
          name: input.name,
          scopes: input.scopes,
          expiresAt: input.expiresAt ?? null,
        });
        const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.id, created.id));
        await record({
          action: 'api_key.create',
          targetType: 'api_key',
          targetId: created.id,
          data: { name: input.name, userId, scopes: input.scopes, prefix: created.prefix },
        });
        return { ...row!, key: created.key };
      });
    },

    revokeApiKey: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      return audited(ctx, async (tx, record) => {
        const [key] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id)).for('update');
        if (!key)
          throw new AppError('not_found', 'No such API key.', { localized: { key: 'errors.noSuchApiKey' } });
        const [revoked] = await tx
          .update(apiKeys)
          .set({ revokedAt: key.revokedAt ?? new Date() })
          .where(eq(apiKeys.id, id))
          .returning();
        await record({
          action: 'api_key.revoke',
          targetType: 'api_key',
          targetId: id,
          data: { name: key.name, userId: key.userId, prefix: key.prefix },
        });
        return revoked as ApiKeyRow;
      });
    },
  },
};

/** Whether a principal authenticated by an API key may use `scope` given its role (checked again at use). */
export function scopeAllowedForRole(scope: ApiKeyScope, role: Role): boolean {
  return SCOPE_ROLES[scope].includes(role);
}
