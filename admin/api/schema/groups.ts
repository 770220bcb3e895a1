/** Groups (who may read which collections; SSO groups map onto them by externalId) and identities. */
import type { IResolvers } from '@graphql-tools/utils';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { AppError } from '#core';
import { type Executor, findUserById, schema } from '#db';
import { type AdminContext, audited } from '../context.ts';
import { connectionTypeDefs, decodeTimeCursor, encodeCursor, pageArgs, toConnection } from '../pagination.ts';
import { idRule, nameRule, optionalText, parseInput } from '../validation.ts';

const { groups, memberships, identities, users } = schema;
type GroupRow = typeof groups.$inferSelect;
type IdentityRow = typeof identities.$inferSelect;

export const typeDefs = `
type Group {
  id: ID!
  name: String!
  description: String
  "The group's name or id at the SSO provider (its groups claim); members then follow the provider."
  externalId: String
  "Every new user joins the default group."
  isDefault: Boolean!
  memberCount: Int!
  members: [User!]! @allow(roles: [admin])
  createdAt: DateTime!
}

"A Slack, Teams or SSO account mapped onto a user."
type Identity {
  id: ID!
  provider: String!
  tenantId: String!
  externalId: String!
  email: String
  displayName: String
  user: User!
  createdAt: DateTime!
  lastSeenAt: DateTime
}

${connectionTypeDefs('Identity')}

type Query {
  groups: [Group!]! @allow(roles: [admin, curator])
  identities(userId: ID, provider: String, first: Int = 25, after: String): IdentityConnection! @allow(roles: [admin])
}

type Mutation {
  createGroup(name: String!, description: String, externalId: String): Group! @allow(roles: [admin])
  updateGroup(id: ID!, name: String, description: String, externalId: String): Group! @allow(roles: [admin])
  deleteGroup(id: ID!): Boolean! @allow(roles: [admin])
  "Maps a chat or SSO account onto a user (normally done on first contact, by e-mail)."
  linkIdentity(userId: ID!, provider: String!, tenantId: String, externalId: String!, email: String, displayName: String): Identity! @allow(roles: [admin])
  unlinkIdentity(id: ID!): Boolean! @allow(roles: [admin])
}
`;

async function loadGroup(tx: Executor, id: string): Promise<GroupRow> {
  const [group] = await tx.select().from(groups).where(eq(groups.id, id));
  if (!group) throw new AppError('not_found', 'No such group.', { localized: { key: 'errors.noSuchGroup' } });
  return group;
}

async function assertUnique(tx: Executor, input: { id?: string; name?: string; externalId?: string | null }) {
  const clash = async (column: typeof groups.name | typeof groups.externalId, value: string) => {
    const [row] = await tx.select({ id: groups.id }).from(groups).where(eq(column, value));
    return row && row.id !== input.id;
  };
  if (input.name && (await clash(groups.name, input.name))) {
    throw new AppError('conflict', 'A group with this name exists.', {
      localized: { key: 'errors.groupExists' },
      details: { fields: { name: 'is already taken' } },
    });
  }
  if (input.externalId && (await clash(groups.externalId, input.externalId))) {
    throw new AppError('conflict', 'Another group maps this external id.', {
      localized: { key: 'errors.externalIdTaken' },
      details: { fields: { externalId: 'is already mapped to another group' } },
    });
  }
}

export const resolvers: IResolvers<unknown, AdminContext> = {
  Group: {
    memberCount: async (group: GroupRow, _args, ctx) => {
      const [row] = await ctx.services.db
        .select({ n: sql<number>`count(*)::int` })
        .from(memberships)
        .where(eq(memberships.groupId, group.id));
      return row?.n ?? 0;
    },
    members: (group: GroupRow, _args, ctx) =>
      ctx.services.db
        .select({ user: users })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.groupId, group.id))
        .orderBy(asc(users.email))
        .limit(1000)
        .then((rows) => rows.map((r) => r.user)),
  },
  Identity: {
    user: (identity: IdentityRow, _args, ctx) => findUserById(ctx.services.db, identity.userId),
  },
  Query: {
    groups: (_parent, _args, ctx) => ctx.services.db.select().from(groups).orderBy(asc(groups.name)),
    identities: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({ userId: idRule.nullish(), provider: z.string().max(100).nullish(), ...pageArgs }),
        args,
      );
      const cursor = decodeTimeCursor(input.after);
      const rows = await ctx.services.db
        .select({ identity: identities, cursorAt: sql<string>`${identities.createdAt}::text` })
        .from(identities)
        .where(
          and(
            input.userId ? eq(identities.userId, input.userId) : undefined,
            input.provider ? eq(identities.provider, input.provider) : undefined,
            cursor
              ? sql`(${identities.createdAt}, ${identities.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
              : undefined,
          ),
        )
        .orderBy(desc(identities.createdAt), desc(identities.id))
        .limit(input.first + 1);
      return toConnection(
        rows.map((r) => ({ ...r.identity, cursorAt: r.cursorAt })),
        input.first,
        (i) => encodeCursor([i.cursorAt, i.id]),
      );
    },
  },
  Mutation: {
    createGroup: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({ name: nameRule, description: optionalText(1000), externalId: optionalText(500) }),
        args,
      );
      return audited(ctx, async (tx, record) => {
        await assertUnique(tx, input);
        const [group] = await tx.insert(groups).values(input).returning();
        await record({
          action: 'group.create',
          targetType: 'group',
          targetId: group!.id,
          data: { ...input },
        });
        return group;
      });
    },

    updateGroup: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({
          id: idRule,
          name: nameRule.nullish(),
          description: optionalText(1000).optional(),
          externalId: optionalText(500).optional(),
        }),
        args,
      );
      return audited(ctx, async (tx, record) => {
        const before = await loadGroup(tx, input.id);
        await assertUnique(tx, { id: input.id, name: input.name ?? undefined, externalId: input.externalId });
        const patch = {
          ...(input.name ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
        };
        const [group] = await tx.update(groups).set(patch).where(eq(groups.id, input.id)).returning();
        await record({
          action: 'group.update',
          targetType: 'group',
          targetId: input.id,
          data: { name: before.name, changes: patch },
        });
        return group;
      });
    },

    deleteGroup: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      return audited(ctx, async (tx, record) => {
        const group = await loadGroup(tx, id);
        if (group.isDefault)
          throw new AppError('conflict', 'The default group cannot be deleted.', {
            localized: { key: 'errors.defaultGroup' },
          });
        await tx.delete(groups).where(eq(groups.id, id));
        await record({
          action: 'group.delete',
          targetType: 'group',
          targetId: id,
          data: { name: group.name },
        });
        return true;
      });
    },

    linkIdentity: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({
          userId: idRule,
          provider: z.string().trim().min(1, 'must not be empty').max(50),
          tenantId: z
            .string()
            .trim()
            .max(200)
            .nullish()
            .transform((v) => v ?? ''),
          externalId: z.string().trim().min(1, 'must not be empty').max(300),
          email: optionalText(320),
          displayName: optionalText(200),
        }),
        args,
      );
      return audited(ctx, async (tx, record) => {
        if (!(await findUserById(tx, input.userId)))
          throw new AppError('not_found', 'No such user.', { localized: { key: 'errors.noSuchUser' } });
        const [identity] = await tx.insert(identities).values(input).onConflictDoNothing().returning();
        if (!identity)
          throw new AppError('conflict', 'This account is already linked to a user.', {
            localized: { key: 'errors.identityLinked' },
          });
        await record({
          action: 'identity.link',
          targetType: 'identity',
          targetId: identity.id,
          data: { ...input },
        });
        return identity;
      });
    },

    unlinkIdentity: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      return audited(ctx, async (tx, record) => {
        const [identity] = await tx.delete(identities).where(eq(identities.id, id)).returning();
        if (!identity)
          throw new AppError('not_found', 'No such identity.', {
            localized: { key: 'errors.noSuchIdentity' },
          });
        await record({
          action: 'identity.unlink',
          targetType: 'identity',
          targetId: id,
          data: { userId: identity.userId, provider: identity.provider, externalId: identity.externalId },
        });
        return true;
      });
    },
  },
};
