import { eq, sql } from 'drizzle-orm';
import type { Principal, Role } from '#core';
import { hashPassword } from '../core/security.ts';
import type { Executor } from './client.ts';
import { groups, memberships, users } from './schema.ts';

export const DEFAULT_GROUP = 'everyone';

export type UserRow = typeof users.$inferSelect;

export function toPrincipal(user: Pick<UserRow, 'id' | 'email' | 'role'>): Principal {
  return { userId: user.id, email: user.email, role: user.role };
}

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`);
  return row ?? null;
}

export async function findUserById(db: Executor, id: string): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row ?? null;
}

/** The group every new user joins; created on first use. */
export async function ensureDefaultGroup(db: Executor): Promise<string> {
  const [existing] = await db
    .select({ id: groups.id })
    .from(groups)
    .where(eq(groups.isDefault, true))
    .limit(1);
  if (existing) return existing.id;
  const [row] = await db
    .insert(groups)
    .values({ name: DEFAULT_GROUP, description: 'Every user joins this group', isDefault: true })
    .onConflictDoUpdate({ target: groups.name, set: { isDefault: true } })
    .returning({ id: groups.id });
  return row!.id;
}

export interface NewUser {
  readonly email: string;
  readonly name?: string | null;
  readonly role: Role;
  readonly password?: string | null;
}

/** Creates a user in the default group. Use inside the caller's transaction when it audits the change. */
export async function createUser(db: Executor, input: NewUser): Promise<UserRow> {
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  const [user] = await db
    .insert(users)
    .values({ email: input.email.trim(), name: input.name ?? null, role: input.role, passwordHash })
    .returning();
  const groupId = await ensureDefaultGroup(db);
  await db.insert(memberships).values({ userId: user!.id, groupId }).onConflictDoNothing();
  return user!;
}

export async function countUsers(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  return row?.n ?? 0;
}
