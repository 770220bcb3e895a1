/** Users: list, create (or invite: no password, they sign in with SSO or get a reset password), role, groups, disable. */
import type { IResolvers } from '@graphql-tools/utils';
import { and, desc, eq, ilike, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { AppError, generatePassword, hashPassword, ROLES } from '#core';
import { createUser, type Executor, findUserById, schema } from '#db';
import { type AdminContext, actorOf, audited } from '../context.ts';
import { connectionTypeDefs, decodeTimeCursor, encodeCursor, pageArgs, toConnection } from '../pagination.ts';
import { revokeUserSessions } from '../refresh-sessions.ts';
import { idRule, optionalText, parseInput } from '../validation.ts';
import { passwordRule } from './auth.ts';

const { users, memberships, groups, identities } = schema;
type UserRow = typeof users.$inferSelect & { cursorAt?: string };

export const typeDefs = `
type User {
  id: ID!
  email: String!
  name: String
  role: Role!
  disabled: Boolean!
  disabledAt: DateTime
  "Signs in with a password (otherwise only through single sign-on)."
  hasPassword: Boolean!
  failedLogins: Int!
  lockedUntil: DateTime
  lastLoginAt: DateTime
  "The console language the user chose (en, ko); null follows the browser."
  locale: String
  createdAt: DateTime!
  groups: [Group!]!
  identities: [Identity!]! @allow(roles: [admin])
}

${connectionTypeDefs('User')}

type TemporaryPassword {
  "Shown once: give it to the user, who should change it after signing in."
  password: String!
}

type Query {
  users(search: String, role: Role, first: Int = 25, after: String): UserConnection! @allow(roles: [admin])
  user(id: ID!): User @allow(roles: [admin])
}

type Mutation {
  "Creates a user, or invites one: without a password they sign in with SSO, or after resetPassword."
  createUser(email: String!, name: String, role: Role = member, password: String, groupIds: [ID!]): User! @allow(roles: [admin])
  updateUser(id: ID!, name: String, role: Role): User! @allow(roles: [admin])
  "Replaces the user's group memberships."
  setUserGroups(id: ID!, groupIds: [ID!]!): User! @allow(roles: [admin])
  "Blocks sign-in, API keys and sessions of the user."
  disableUser(id: ID!): User! @allow(roles: [admin])
  enableUser(id: ID!): User! @allow(roles: [admin])
  "Lifts a lockout after failed sign-in attempts."
  unlockUser(id: ID!): User! @allow(roles: [admin])
  "Sets a generated password (shown once) and ends the user's sessions."
  resetPassword(id: ID!): TemporaryPassword! @allow(roles: [admin])
}
`;

async function loadUser(db: Executor, id: string) {
  const user = await findUserById(db, id);
  if (!user) throw new AppError('not_found', 'No such user.', { localized: { key: 'errors.noSuchUser' } });
  return user;
}

export async function assertGroupsExist(tx: Executor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = await tx
    .select({ id: groups.id })
    .from(groups)
    .where(inArray(groups.id, [...ids]));
  const missing = ids.filter((id) => !found.some((g) => g.id === id));
  if (missing.length) {
    throw new AppError('invalid_input', `Invalid input. groupIds: no group ${missing.join(', ')}`, {
      details: { fields: { groupIds: `no group with id ${missing.join(', ')}` } },
    });
  }
}

/** Refuses a change that would leave no active admin (nobody could manage ex-GPT any more). */
async function assertAnotherAdmin(tx: Executor, userId: string): Promise<void> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.disabledAt), ne(users.id, userId)));
  if ((row?.n ?? 0) === 0)
    throw new AppError('conflict', 'This is the last active admin: make someone else admin first.', {
      localized: { key: 'errors.lastAdmin' },
    });
}

const roleRule = z.enum(ROLES, { message: 'is not a role' });

export const resolvers: IResolvers<unknown, AdminContext> = {
  User: {
    disabled: (user: UserRow) => user.disabledAt !== null,
    hasPassword: (user: UserRow) => user.passwordHash !== null,
    groups: (user: UserRow, _args, ctx) =>
      ctx.services.db
        .select({ group: groups })
        .from(memberships)
        .innerJoin(groups, eq(groups.id, memberships.groupId))
        .where(eq(memberships.userId, user.id))
        .orderBy(groups.name)
        .then((rows) => rows.map((r) => r.group)),
    identities: (user: UserRow, _args, ctx) =>
      ctx.services.db
        .select()
        .from(identities)
        .where(eq(identities.userId, user.id))
        .orderBy(identities.createdAt),
  },
  Query: {
    users: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({ search: z.string().trim().max(200).nullish(), role: roleRule.nullish(), ...pageArgs }),
        args,
      );
      const cursor = decodeTimeCursor(input.after);
      const rows = await ctx.services.db
        .select({ user: users, cursorAt: sql<string>`${users.createdAt}::text` })
        .from(users)
        .where(
          and(
            input.search
              ? or(
                  ilike(users.email, `%${escapeLike(input.search)}%`),
                  ilike(users.name, `%${escapeLike(input.search)}%`),
                )
              : undefined,
            input.role ? eq(users.role, input.role) : undefined,
            cursor
              ? sql`(${users.createdAt}, ${users.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
              : undefined,
          ),
        )
        .orderBy(desc(users.createdAt), desc(users.id))
        .limit(input.first + 1);
      return toConnection(
        rows.map((r) => ({ ...r.user, cursorAt: r.cursorAt })),
        input.first,
        (u) => encodeCursor([u.cursorAt, u.id]),
      );
    },
    user: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      return findUserById(ctx.services.db, id);
    },
  },
  Mutation: {
    createUser: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({
          email: z.email('must be an e-mail address').max(320),
          name: optionalText(200),
          role: roleRule.default('member'),
          password: passwordRule.nullish(),
          groupIds: z.array(idRule).max(100).nullish(),
        }),
        args,
      );
      return audited(ctx, async (tx, record) => {
        const [taken] = await tx
          .select({ id: users.id })
          .from(users)
          .where(sql`lower(${users.email}) = lower(${input.email})`);
        if (taken) {
          throw new AppError('conflict', 'A user with this e-mail address already exists.', {
            localized: { key: 'errors.userExists' },
            details: { fields: { email: 'is already taken' } },
          });
        }
        await assertGroupsExist(tx, input.groupIds ?? []);
        const user = await createUser(tx, {
          email: input.email,
          name: input.name,
          role: input.role,
          password: input.password ?? null,
        });
        if (input.groupIds?.length) {
          await tx
            .insert(memberships)
            .values(input.groupIds.map((groupId) => ({ userId: user.id, groupId })))
            .onConflictDoNothing();
        }
        await record({
          action: 'user.create',
          targetType: 'user',
          targetId: user.id,
          data: {
            email: user.email,
            role: user.role,
            groupIds: input.groupIds ?? [],
            invited: !input.password,
          },
        });
        return user;
      });
    },

    updateUser: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({ id: idRule, name: optionalText(200).optional(), role: roleRule.nullish() }),
        args,
      );
      return audited(ctx, async (tx, record) => {
        const user = await loadUser(tx, input.id);
        const changes: Record<string, unknown> = {};
        if (input.role && input.role !== user.role) {
          if (user.role === 'admin') await assertAnotherAdmin(tx, user.id);
          changes.role = { from: user.role, to: input.role };
        }
        if (input.name !== undefined && input.name !== user.name)
          changes.name = { from: user.name, to: input.name };
        const [updated] = await tx
          .update(users)
          .set({
            ...(input.role ? { role: input.role } : {}),
            ...(input.name !== undefined ? { name: input.name } : {}),
            updatedAt: new Date(),
          })
          .where(eq(users.id, user.id))
          .returning();
        await record({
          action: 'user.update',
          targetType: 'user',
          targetId: user.id,
          data: { email: user.email, changes },
        });
        return updated;
      });
    },

    setUserGroups: async (_parent, args, ctx) => {
      const input = parseInput(z.object({ id: idRule, groupIds: z.array(idRule).max(100) }), args);
      return audited(ctx, async (tx, record) => {
        const user = await loadUser(tx, input.id);
        await assertGroupsExist(tx, input.groupIds);
        const before = await tx
          .select({ id: memberships.groupId })
          .from(memberships)
          .where(eq(memberships.userId, user.id));
        await tx.delete(memberships).where(eq(memberships.userId, user.id));
        if (input.groupIds.length) {
          await tx
            .insert(memberships)
            .values(input.groupIds.map((groupId) => ({ userId: user.id, groupId })))
            .onConflictDoNothing();
        }
        await record({
          action: 'user.groups_set',
          targetType: 'user',
          targetId: user.id,
          data: {
            email: user.email,
            from: before.map((g) => g.id).sort(),
            to: [...new Set(input.groupIds)].sort(),
          },
        });
        return user;
      });
    },

    disableUser: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      if (id === actorOf(ctx).userId)
        throw new AppError('conflict', 'You cannot disable yourself.', {
          localized: { key: 'errors.cannotDisableSelf' },
        });
      return audited(ctx, async (tx, record) => {
        const user = await loadUser(tx, id);
        if (user.role === 'admin') await assertAnotherAdmin(tx, user.id);
        const [updated] = await tx
          .update(users)
          .set({ disabledAt: user.disabledAt ?? new Date(), updatedAt: new Date() })
          .where(eq(users.id, id))
          .returning();
        await revokeUserSessions(tx, id);
        await record({
          action: 'user.disable',
          targetType: 'user',
          targetId: id,
          data: { email: user.email },
        });
        return updated;
      });
    },

    enableUser: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      return audited(ctx, async (tx, record) => {
        const user = await loadUser(tx, id);
        const [updated] = await tx
          .update(users)
          .set({ disabledAt: null, updatedAt: new Date() })
          .where(eq(users.id, id))
          .returning();
        await record({
          action: 'user.enable',
          targetType: 'user',
          targetId: id,
          data: { email: user.email },
        });
        return updated;
      });
    },

    unlockUser: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      return audited(ctx, async (tx, record) => {
        const user = await loadUser(tx, id);
        const [updated] = await tx
          .update(users)
          .set({ failedLogins: 0, lockedUntil: null, updatedAt: new Date() })
          .where(eq(users.id, id))
          .returning();
        await record({
          action: 'user.unlock',
          targetType: 'user',
          targetId: id,
          data: { email: user.email, failedLogins: user.failedLogins },
        });
        return updated;
      });
    },

    resetPassword: async (_parent, args, ctx) => {
      const { id } = parseInput(z.object({ id: idRule }), args);
      const password = generatePassword();
      const passwordHash = await hashPassword(password);
      await audited(ctx, async (tx, record) => {
        const user = await loadUser(tx, id);
        await tx
          .update(users)
          .set({ passwordHash, failedLogins: 0, lockedUntil: null, updatedAt: new Date() })
          .where(eq(users.id, id));
        await revokeUserSessions(tx, id);
        await record({
          action: 'user.password_reset',
          targetType: 'user',
          targetId: id,
          data: { email: user.email },
        });
      });
      return { password };
    },
  },
};

export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
