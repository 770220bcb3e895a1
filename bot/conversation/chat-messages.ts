/**
 * Every sentence the chat flow shows people, in one place, and the mapping of errors to one of them:
 * the chat edge of the error taxonomy (core/errors.ts). Internals never reach a chat message.
 */
import { isAppError } from '#core';

export const UNBOUND_CHANNEL_HINT =
  'I only answer in channels that an admin has connected to a document collection, so that everyone here sees answers from documents meant for this channel. You can ask me in a direct message, or with `/ask` (only you will see the answer).';

export const EMPTY_QUESTION_HINT =
  'What would you like to know? Ask me a question, e.g. “How many vacation days do I get?”';

export const DISABLED_ACCOUNT =
  'Your ex-GPT account is disabled, so I cannot answer you. Please contact your ex-GPT administrator.';

export const SHARE_NOT_ALLOWED =
  'I can’t post this answer here: some of its sources are not connected to this channel, so not everyone here may read them.';

export const SHARE_NOT_FOUND = 'I can’t find that answer any more, so I can’t share it.';

export function rateLimited(retryAfterMs: number): string {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return `You’re asking faster than I can keep up. Please wait ${seconds} second${seconds === 1 ? '' : 's'} and ask again.`;
}

/** The friendly sentence for a failure, by error code. */
export function friendlyMessage(error: unknown): string {
  if (!isAppError(error)) return GENERIC_FAILURE;
  switch (error.code) {
    case 'invalid_input':
      return `I couldn’t take that question: ${error.message}`;
    case 'no_evidence':
      return 'I couldn’t find this in the documents you can see.';
    case 'rate_limited':
      return 'I’m answering a lot of questions right now. Please try again in a minute.';
    case 'upstream_unavailable':
    case 'unavailable':
      return 'The service that writes my answers isn’t reachable right now. Please try again in a few minutes.';
    case 'unauthenticated':
    case 'forbidden':
      return 'You don’t have access to the documents needed for this.';
    case 'not_found':
      return 'I couldn’t find what this refers to any more.';
    case 'conflict':
    case 'payload_too_large':
    case 'unsupported_media_type':
    case 'unprocessable_document':
    case 'internal':
      return GENERIC_FAILURE;
  }
}

const GENERIC_FAILURE =
  'Sorry, something went wrong on my side while answering. It has been logged; please try again in a moment.';
