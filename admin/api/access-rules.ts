/**
 * Roles on every field, by one mechanism: the `@allow(roles: [...])` and `@public` directives in the
 * SDL. Every query, mutation and subscription must carry one (the schema refuses to build otherwise);
 * fields of other types may carry `@allow` to narrow access further. Checked before each resolver runs.
 */
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldConfig, type GraphQLSchema } from 'graphql';
import { AppError, ROLES, type Role } from '#core';
import type { AdminContext } from './context.ts';

export const accessDirectivesTypeDefs = `
"Who may use a field. Every query, mutation and subscription carries @allow or @public."
directive @allow(roles: [Role!]!) on FIELD_DEFINITION

"A field anyone may use without signing in."
directive @public on FIELD_DEFINITION
`;

export type AccessRule =
  | { readonly kind: 'public' }
  | { readonly kind: 'roles'; readonly roles: readonly Role[] };

export function accessRuleOf(
  schema: GraphQLSchema,
  field: GraphQLFieldConfig<unknown, unknown>,
): AccessRule | null {
  const allow = getDirective(schema, field, 'allow')?.[0] as { roles?: unknown } | undefined;
  const isPublic = getDirective(schema, field, 'public')?.[0] !== undefined;
  if (allow && isPublic) throw new Error('a field takes @allow or @public, not both');
  if (isPublic) return { kind: 'public' };
  if (!allow) return null;
  const roles = Array.isArray(allow.roles)
    ? allow.roles.filter((r): r is Role => ROLES.includes(r as Role))
    : [];
  if (roles.length === 0) throw new Error('@allow needs at least one role');
  return { kind: 'roles', roles };
}

function rootTypeNames(schema: GraphQLSchema): Set<string> {
  return new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((t) =>
      t ? [t.name] : [],
    ),
  );
}

/** `Type.field` → rule, for every root field and every other field that has a rule. */
export function listAccessRules(schema: GraphQLSchema): Map<string, AccessRule | null> {
  const roots = rootTypeNames(schema);
  const rules = new Map<string, AccessRule | null>();
  mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const rule = accessRuleOf(schema, field);
      if (rule || roots.has(typeName)) rules.set(`${typeName}.${fieldName}`, rule);
      return field;
    },
  });
  return rules;
}

export function checkAccess(rule: AccessRule, ctx: AdminContext, coordinate: string): void {
  if (rule.kind === 'public') return;
  if (!ctx.principal)
    throw new AppError('unauthenticated', 'Sign in first: send "Authorization: Bearer <access token>".', {
      localized: { key: 'errors.signInFirst' },
    });
  if (!rule.roles.includes(ctx.principal.role)) {
    throw new AppError('forbidden', `The ${ctx.principal.role} role may not use ${coordinate}.`, {
      localized: { key: 'errors.roleForbidden', values: { role: ctx.principal.role, field: coordinate } },
    });
  }
}

/** Wraps every resolver (and subscription source) that has a rule; refuses root fields without one. */
export function enforceAccessRules(schema: GraphQLSchema): GraphQLSchema {
  const roots = rootTypeNames(schema);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const coordinate = `${typeName}.${fieldName}`;
      const rule = accessRuleOf(schema, field);
      if (!rule) {
        if (roots.has(typeName)) {
          throw new Error(`${coordinate} has no access rule: add @allow(roles: [...]) or @public to it.`);
        }
        return field;
      }
      const resolve = field.resolve ?? defaultFieldResolver;
      const subscribe = field.subscribe;
      return {
        ...field,
        resolve: (source, args, ctx: AdminContext, info) => {
          checkAccess(rule, ctx, coordinate);
          return resolve(source, args, ctx, info);
        },
        ...(subscribe
          ? {
              subscribe: (
                source: unknown,
                args: Record<string, unknown>,
                ctx: AdminContext,
                info: Parameters<typeof subscribe>[3],
              ) => {
                checkAccess(rule, ctx, coordinate);
                return subscribe(source, args, ctx, info);
              },
            }
          : {}),
      };
    },
  });
}
