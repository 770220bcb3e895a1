/**
 * GraphQL error masking: AppError codes become `extensions.code`, with the message when it may be shown;
 * anything else is logged and answered with a generic message and code `internal`.
 */
import { GraphQLError } from 'graphql';
import { AppError, isAppError, type Logger } from '#core';

export function createErrorMasker(logger: Logger) {
  return (error: unknown, _message: string): Error => {
    const graphqlError = error instanceof GraphQLError ? error : null;
    const original = graphqlError?.originalError ?? error;
    const location = graphqlError
      ? {
          nodes: graphqlError.nodes ?? null,
          source: graphqlError.source ?? null,
          positions: graphqlError.positions ?? null,
          path: graphqlError.path ?? null,
        }
      : {};
    if (isAppError(original)) {
      if (!original.expose) logger.error({ err: original }, 'admin API request failed');
      const extensions: Record<string, unknown> = { code: original.code };
      if (original.expose && original.details) Object.assign(extensions, original.details);
      // yoga turns `extensions.http` into the response's status and headers, and leaves it out of the body.
      if (original.code === 'rate_limited') {
        const retry = original.details?.retryAfterSeconds;
        extensions.http = {
          status: 429,
          ...(typeof retry === 'number' ? { headers: { 'retry-after': String(retry) } } : {}),
        };
      }
      return new GraphQLError(original.expose ? original.message : genericMessage, {
        ...location,
        extensions,
      });
    }
    // GraphQL's own errors (a bad variable, a non-null violation) describe the request, not internals.
    if (graphqlError && (!graphqlError.originalError || graphqlError.originalError instanceof GraphQLError)) {
      const code = graphqlError.extensions?.code;
      return new GraphQLError(graphqlError.message, {
        ...location,
        extensions: { ...graphqlError.extensions, code: typeof code === 'string' ? code : 'invalid_input' },
      });
    }
    logger.error({ err: original }, 'admin API request failed');
    return new GraphQLError(genericMessage, { ...location, extensions: { code: 'internal' } });
  };
}

const genericMessage = 'Something went wrong on our side. It has been logged; please try again.';

export { AppError };
