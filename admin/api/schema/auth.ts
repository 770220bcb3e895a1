/** Sign-in: who am I, password login, logout, changing one's own password. */
import type { IResolvers } from '@graphql-tools/utils';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { AppError, hashPassword, verifyPassword } from '#core';
import { findUserById, schema } from '#db';
import { AVAILABLE_LOCALES } from '#i18n';
import { type AdminContext, actorOf, audited } from '../context.ts';
import { clearedRefreshCookie, refreshCookie } from '../cookies.ts';
import { passwordLogin, type SignedIn } from '../password-login.ts';
import { revokeFamily, revokeUserSessions } from '../refresh-sessions.ts';
import { parseInput } from '../validation.ts';

const ALL = '[admin, curator, auditor, member]';

export const typeDefs = `
type LoginResult {
  "The access token: send it as \\"Authorization: Bearer <token>\\". A refresh cookie comes with it."
  token: String!
  expiresAt: DateTime!
  user: User!
}

type SignInOptions {
  password: Boolean!
  "Single sign-on is configured: send the browser to ssoStartPath."
  sso: Boolean!
  ssoStartPath: String
}

type Query {
  "The signed-in user."
  me: User! @allow(roles: ${ALL})
  "What the sign-in page should offer."
  signInOptions: SignInOptions! @public
}

type Mutation {
  "Signs in with a password: returns an access token and sets the refresh cookie (path /auth)."
  login(email: String!, password: String!): LoginResult! @public
  "Ends this session (its refresh-token family) and clears the refresh cookie."
  logout: Boolean! @allow(roles: ${ALL})
  "Changes your own password and ends your other sessions."
  changePassword(currentPassword: String!, newPassword: String!): Boolean! @allow(roles: ${ALL})
  "Remembers the console language you chose (a language with a catalogue: en, ko), on every device."
  setMyLocale(locale: String!): User! @allow(roles: ${ALL})
}
`;

export const passwordRule = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(1024, 'must be at most 1024 characters');

/** Issues the access token for a fresh session and sets its refresh cookie. */
export async function completeSignIn(ctx: AdminContext, signedIn: SignedIn) {
  const { token, expiresAt } = await ctx.services.tokens.issue(signedIn.user, signedIn.session.familyId);
  ctx.setCookie(
    refreshCookie(signedIn.session.token, signedIn.session.expiresAt, ctx.services.secureCookies),
  );
  return { token, expiresAt, userId: signedIn.user.id };
}

export const resolvers: IResolvers<unknown, AdminContext> = {
  Query: {
    me: async (_parent, _args, ctx) => {
      const user = await findUserById(ctx.services.db, actorOf(ctx).userId);
      if (!user)
        throw new AppError('unauthenticated', 'Sign in first.', { localized: { key: 'errors.signInFirst' } });
      return user;
    },
    signInOptions: (_parent, _args, ctx) => ({
      password: true,
      sso: ctx.services.oidc !== null,
      ssoStartPath: ctx.services.oidc ? '/auth/oidc/start' : null,
    }),
  },
  LoginResult: {
    user: async (parent: { userId: string }, _args, ctx) => findUserById(ctx.services.db, parent.userId),
  },
  Mutation: {
    login: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({
          email: z.string().trim().min(1, 'is required').max(320, 'is too long'),
          password: z.string().min(1, 'is required').max(1024, 'is too long'),
        }),
        args,
      );
      const signedIn = await passwordLogin(ctx.services.login, { ...input, meta: ctx.meta });
      return completeSignIn(ctx, signedIn);
    },

    logout: async (_parent, _args, ctx) => {
      const familyId = actorOf(ctx).sessionFamilyId;
      await audited(ctx, async (tx, record) => {
        await revokeFamily(tx, familyId);
        await record({ action: 'auth.logout', targetType: 'session', targetId: familyId });
      });
      ctx.setCookie(clearedRefreshCookie(ctx.services.secureCookies));
      return true;
    },

    setMyLocale: async (_parent, args, ctx) => {
      const actor = actorOf(ctx);
      const { locale } = parseInput(
        z.object({
          locale: z
            .string()
            .refine(
              (value) => AVAILABLE_LOCALES.includes(value),
              `must be one of ${AVAILABLE_LOCALES.join(', ')}`,
            ),
        }),
        args,
      );
      // Only a preference, but every change through this API is audited (the audit suite holds it to that).
      return audited(ctx, async (tx, record) => {
        const [user] = await tx
          .update(schema.users)
          .set({ locale, updatedAt: new Date() })
          .where(eq(schema.users.id, actor.userId))
          .returning();
        if (!user)
          throw new AppError('unauthenticated', 'Sign in first.', {
            localized: { key: 'errors.signInFirst' },
          });
        await record({
          action: 'user.locale_change',
          targetType: 'user',
          targetId: user.id,
          data: { locale },
        });
        return user;
      });
    },

    changePassword: async (_parent, args, ctx) => {
      const actor = actorOf(ctx);
      const input = parseInput(
        z.object({ currentPassword: z.string().min(1, 'is required').max(1024), newPassword: passwordRule }),
        args,
      );
      if (!(await ctx.services.login.byAddress.take(ctx.meta.ip ?? 'unknown')).ok) {
        throw new AppError('rate_limited', 'Too many attempts. Try again in a minute.', {
          localized: { key: 'errors.tooManyAttempts' },
        });
      }
      const user = await findUserById(ctx.services.db, actor.userId);
      if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
        throw new AppError('invalid_input', 'Invalid input. currentPassword: is not your current password', {
          details: { fields: { currentPassword: 'is not your current password' } },
        });
      }
      const passwordHash = await hashPassword(input.newPassword);
      await audited(ctx, async (tx, record) => {
        await tx
          .update(schema.users)
          .set({ passwordHash, updatedAt: new Date() })
          .where(eq(schema.users.id, actor.userId));
        await revokeUserSessions(tx, actor.userId, actor.sessionFamilyId);
        await record({ action: 'user.password_change', targetType: 'user', targetId: actor.userId });
      });
      return true;
    },
  },
};
