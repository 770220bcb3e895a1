/**
 * The one error taxonomy. The domain throws AppError with a stable `code`; the edges (fastify, GraphQL,
 * chat adapters) map it to a status or a friendly sentence. `expose` says whether the message may be
 * shown to the caller; internals never are.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'no_evidence'
  | 'unprocessable_document'
  | 'upstream_unavailable'
  | 'unavailable'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  no_evidence: 200,
  unprocessable_document: 422,
  upstream_unavailable: 502,
  unavailable: 503,
  internal: 500,
};

/**
 * The caller's sentence as a catalogue key (i18n/locales) and its values: the edges (REST, GraphQL) say it in
 * the caller's language; `message` stays the English sentence for logs and for callers without a language.
 */
export interface LocalizedMessage {
  readonly key: string;
  readonly values?: Readonly<Record<string, string | number | Date>>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly expose: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly localized: LocalizedMessage | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      expose?: boolean;
      cause?: unknown;
      details?: Record<string, unknown>;
      localized?: LocalizedMessage;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.expose = options.expose ?? STATUS[code] < 500;
    this.details = options.details;
    this.localized = options.localized;
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** A document that can never be ingested (corrupt, encrypted, empty...): record the reason, do not retry. */
export class UnprocessableDocumentError extends AppError {
  constructor(message: string, options: { cause?: unknown; localized?: LocalizedMessage } = {}) {
    super('unprocessable_document', message, { expose: true, ...options });
    this.name = 'UnprocessableDocumentError';
  }
}

/**
 * What the caller is shown: the localized sentence when the error has one and may be shown, the English
 * message when it may be shown, else `generic` (internals stay in the logs).
 */
export function shownMessage(
  error: AppError,
  translate: (key: string, values?: LocalizedMessage['values']) => string,
  generic: string,
): string {
  if (!error.expose) return generic;
  return error.localized ? translate(error.localized.key, error.localized.values) : error.message;
}

export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/** Whether a failed job may succeed if tried again (outages yes; bad input never). */
export function isRetryable(error: unknown): boolean {
  if (!isAppError(error)) return true;
  return error.code === 'upstream_unavailable' || error.code === 'unavailable' || error.code === 'internal';
}
