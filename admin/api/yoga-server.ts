/**
 * The graphql-yoga server: schema with access rules, masked errors, depth/cost/alias/token limits
 * (graphql-armor), CSRF prevention for simple requests, no introspection in production, no batching and
 * no multipart. Subscriptions are served as server-sent events (POST with Accept: text/event-stream).
 */

import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { AdminContextFields, AdminServices } from './context.ts';
import { CSRF_HEADER } from './cookies.ts';
import { createErrorMasker } from './errors.ts';
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
  const production = services.config.NODE_ENV === 'production';
  const pendingCookies = new WeakMap<Request, string[]>();
  const armor = new EnvelopArmor({
    maxDepth: { n: GRAPHQL_LIMITS.maxDepth },
    costLimit: { maxCost: GRAPHQL_LIMITS.maxCost },
    maxAliases: { n: GRAPHQL_LIMITS.maxAliases },
    maxTokens: { n: GRAPHQL_LIMITS.maxTokens },
    maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives },
    // Suggestions ("did you mean …") help development and map the schema for an attacker.
    blockFieldSuggestion: { enabled: production },
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
    graphiql: production
      ? false
      : { title: 'ex-GPT admin API', headers: JSON.stringify({ [CSRF_HEADER]: '1' }) },
    // GraphiQL bundled into the page: yoga's default loads it from a public CDN, blank when offline.
    renderGraphiQL,
    batching: false,
    multipart: false,
    maskedErrors: { maskError: createErrorMasker(services.logger), errorMessage: 'Unexpected error.' },
    logging: {
      debug: (...args) => services.logger.debug({ args }, 'graphql'),
      info: (...args) => services.logger.info({ args }, 'graphql'),
      warn: (...args) => services.logger.warn({ args }, 'graphql'),
      // Errors in a result were masked (and logged with their stack when internal) by the masker: a wrong
      // password or a bad argument is the caller's mistake, not an error in the operator's log.
      error: (...args) =>
        args.every((arg) => arg instanceof GraphQLError)
          ? services.logger.debug({ args }, 'graphql')
          : services.logger.error({ args }, 'graphql'),
    },
    plugins: [
      useCSRFPrevention({ requestHeaders: [CSRF_HEADER, 'x-graphql-yoga-csrf'] }),
      ...armor.protect().plugins,
      ...(production ? [noIntrospection] : []),
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
