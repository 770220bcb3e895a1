/**
 * The sentences of the chat flow, from the catalogues (i18n/locales), and the mapping of errors to one of
 * them: the chat edge of the error taxonomy (core/errors.ts). Internals never reach a chat message.
 */
import { detectLanguage, isAppError } from '#core';
import { type Translator, translatorFor } from '#i18n';

/**
 * The language to answer in: the question's when it can be told and has a catalogue, else the platform's
 * locale for the user, else the configured default.
 */
export function replyTranslator(
  question: string,
  platformLocale: string | null | undefined,
  defaultLocale: string,
): Translator {
  return translatorFor([detectLanguage(question), platformLocale], defaultLocale);
}

/** Whether `question` alone decides the reply's language (so the platform need not be asked). */
export function languageOfQuestion(question: string): string | undefined {
  return detectLanguage(question);
}

export function rateLimited(tr: Translator, retryAfterMs: number): string {
  return tr.t('chat.rateLimited', { seconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) });
}

/** The friendly sentence for a failure, by error code. */
export function friendlyMessage(tr: Translator, error: unknown): string {
  if (!isAppError(error)) return tr.t('chat.error.generic');
  switch (error.code) {
    case 'invalid_input':
      return tr.t('chat.error.invalidInput', { reason: error.message });
    case 'no_evidence':
      return tr.t('chat.error.noEvidence');
    case 'rate_limited':
      return tr.t('chat.error.busy');
    case 'upstream_unavailable':
    case 'unavailable':
      return tr.t('chat.error.unavailable');
    case 'unauthenticated':
    case 'forbidden':
      return tr.t('chat.error.forbidden');
    case 'not_found':
      return tr.t('chat.error.notFound');
    case 'conflict':
    case 'payload_too_large':
    case 'unsupported_media_type':
    case 'unprocessable_document':
    case 'internal':
      return tr.t('chat.error.generic');
  }
}
