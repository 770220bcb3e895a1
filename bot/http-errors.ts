import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, isAppError, type Logger, shownMessage } from '#core';
import { DISK_FULL_MESSAGE, isDiskFullError } from '#db';
import { acceptedLanguages, type MessageKey, type Translator, translatorFor } from '#i18n';

/** The caller's language for error sentences: the request's Accept-Language (the console sends its own). */
export function requestTranslator(request: Pick<FastifyRequest, 'headers'>): Translator {
  const header = request.headers['accept-language'];
  return translatorFor(acceptedLanguages(Array.isArray(header) ? header[0] : header));
}

/** An AppError's sentence in `tr`'s language (see AppError.localized); the generic one when it is internal. */
export function errorSentence(error: AppError, tr: Translator): string {
  return shownMessage(error, (key, values) => tr.t(key as MessageKey, values), tr.t('errors.internal'));
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly requestId?: string };
}

/**
 * Maps every error to `{ error: { code, message } }`. Messages of 5xx errors are replaced by a generic
 * sentence: stack traces, SQL and upstream details stay in the logs, tied to the request id.
 */
export function installErrorHandler(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
    const appError = toAppError(error);
    const status = appError.status;
    if (status >= 500) logger.error({ err: error, reqId: request.id }, 'request failed');
    const message = errorSentence(appError, requestTranslator(request));
    const body: ErrorBody = { error: { code: appError.code, message, requestId: String(request.id) } };
    void reply.status(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const route = `${request.method} ${request.url.split('?')[0]}`;
    void reply.status(404).send({
      error: { code: 'not_found', message: requestTranslator(request).t('errors.noRoute', { route }) },
    } satisfies ErrorBody);
  });
}

export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const e = error as Partial<FastifyError> & { validation?: unknown };
  if (e.validation) return new AppError('invalid_input', e.message ?? 'Invalid request.');
  switch (e.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('payload_too_large', e.message ?? 'File too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError('unsupported_media_type', e.message ?? 'Unsupported content type.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('invalid_input', e.message ?? 'Invalid request body.');
    default:
      break;
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError(
      e.statusCode === 413 ? 'payload_too_large' : 'invalid_input',
      e.message ?? 'Bad request.',
    );
  }
  if (isDiskFullError(error))
    return new AppError('unavailable', DISK_FULL_MESSAGE, {
      expose: true,
      cause: error,
      localized: { key: 'errors.diskFull' },
    });
  return new AppError('internal', 'internal error', { cause: error });
}
