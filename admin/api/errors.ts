/**
 * GraphQL error masking: AppError codes become `extensions.code`, with the message when it may be shown;
 * anything else is logged and answered with a generic message and code `internal`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { GraphQLError } from 'graphql';
import { type AppError, isAppError, type LocalizedMessage, type Logger, shownMessage } from '#core';
import { type MessageKey, type Translator, translatorFor } from '#i18n';

const callerLanguage = new AsyncLocalStorage<Translator>();

/**
 * Runs one admin API request with the caller's language, in which its errors are then said (yoga's error
 * masking sees no request, so the language travels with the request's async context).
 */
export function inCallerLanguage<T>(translator: Translator, run: () => T): T {
  return callerLanguage.run(translator, run);
}

/** The language of the request being answered (English outside one): for sentences stored as catalogue keys. */
export function callerTranslator(): Translator {
  return callerLanguage.getStore() ?? translatorFor([]);
}

/** A stored sentence in the caller's language when it has a catalogue key, else as it was stored. */
export function sayStored(english: string, localized: LocalizedMessage | null | undefined): string {
  return localized ? callerTranslator().t(localized.key as MessageKey, localized.values) : english;
}

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
    const tr = callerLanguage.getStore() ?? translatorFor([]);
    const generic = tr.t('errors.internal');
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
      const message = shownMessage(original, (key, values) => tr.t(key as MessageKey, values), generic);
      return new GraphQLError(message, {
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
    return new GraphQLError(generic, { ...location, extensions: { code: 'internal' } });
  };
}

export type { AppError };
