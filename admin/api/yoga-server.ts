/**
 * The graphql-yoga server: schema with access rules, masked errors, depth/cost/alias/token limits
 * (graphql-armor), CSRF prevention for simple requests, no CORS unless CORS_ORIGINS names origins,
 * GraphiQL/introspection/suggestions only with NODE_ENV=development, no batching and no multipart. Subscriptions are served as server-sent events (POST with Accept: text/event-stream).
 */

import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { isAppError } from '#core';
import type { AdminContextFields, AdminServices } from './context.ts';
import { CSRF_HEADER } from './cookies.ts';
import { createErrorMasker } from './errors.ts';
import { useNulGuard } from './nul-guard.ts';
import { buildAdminSchema } from './schema/index.ts';

/** What the HTTP server hands yoga with each request (fastify passes its request). */
export interface AdminServerContext {
  readonly req?: { readonly ip?: string | undefined } | undefined;
  /** For callers without fastify (tests using yoga.fetch). */
  readonly ip?: string | undefined;
}

export type AdminYoga = YogaServerInstance<AdminServerContext, AdminContextFields>;

export const GRAPHQL_LIMITS = {
  maxDepth: 10,
  maxCost: 20_000,
  maxAliases: 15,
  maxTokens: 4000,
  maxDirectives: 20,
};

export function createAdminYoga(services: AdminServices): AdminYoga {
  // Developer conveniences only when asked for: unset NODE_ENV is treated as production here.
  const development = services.config.NODE_ENV === 'development';
  const corsOrigins = services.config.CORS_ORIGINS;
  const pendingCookies = new WeakMap<Request, string[]>();
  const armor = new EnvelopArmor({
    maxDepth: { n: GRAPHQL_LIMITS.maxDepth },
    costLimit: { maxCost: GRAPHQL_LIMITS.maxCost },
    maxAliases: { n: GRAPHQL_LIMITS.maxAliases },
    maxTokens: { n: GRAPHQL_LIMITS.maxTokens },
    maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives },
    // Suggestions ("did you mean …") help development and map the schema for an attacker.
    blockFieldSuggestion: { enabled: !development },
  });

  const setCookies: Plugin = {
    onResponse({ request, response }) {
      for (const cookie of pendingCookies.get(request) ?? []) response.headers.append('set-cookie', cookie);
    },
  };
  const noIntrospection: Plugin = {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };

  return createYoga<AdminServerContext, AdminContextFields>({
    schema: buildAdminSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: development
      ? { title: 'ex-GPT admin API', headers: JSON.stringify({ [CSRF_HEADER]: '1' }) }
      : false,
    // yoga's default answers every Origin with credentials; the console is same-origin and needs none.
    cors: corsOrigins
      ? {
          origin: [...corsOrigins],
          credentials: true,
          methods: ['GET', 'POST'],
          allowedHeaders: ['content-type', 'authorization', CSRF_HEADER],
        }
      : false,
    batching: false,
    multipart: false,
    maskedErrors: { maskError: createErrorMasker(services.logger), errorMessage: 'Unexpected error.' },
    logging: {
      debug: (...args) => services.logger.debug({ args }, 'graphql'),
      info: (...args) => services.logger.info({ args }, 'graphql'),
      warn: (...args) => services.logger.warn({ args }, 'graphql'),
      // A refusal (forbidden, invalid input…) is the API working: only failures of ours are errors.
      error: (...args) =>
        args.every(isRefusal)
          ? services.logger.info({ args }, 'graphql request refused')
          : services.logger.error({ args }, 'graphql'),
    },
    plugins: [
      useCSRFPrevention({ requestHeaders: [CSRF_HEADER, 'x-graphql-yoga-csrf'] }),
      ...armor.protect().plugins,
      ...(development ? [] : [noIntrospection]),
      useNulGuard(),
      setCookies,
    ],
    context: async ({ request, req, ip }) => {
      const header = request.headers.get('authorization');
      const token = header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : null;
      const principal = token ? await services.tokens.authenticate(token) : null;
      return {
        principal,
        meta: { ip: req?.ip ?? ip ?? null, userAgent: request.headers.get('user-agent') },
        services,
        setCookie(cookie: string) {
          const list = pendingCookies.get(request) ?? [];
          list.push(cookie);
          pendingCookies.set(request, list);
        },
      };
    },
  });
}

function isRefusal(value: unknown): boolean {
  const original = value instanceof GraphQLError ? value.originalError : value;
  return isAppError(original) && original.status < 500;
}
