import { pino } from 'pino';
import PinoPretty from 'pino-pretty';
import type { Config, Logger } from '#core';

/** Longest error message a log line carries. */
const MAX_LOGGED_MESSAGE = 2000;

/**
 * Errors as pino logs them, minus what must never reach a log: a failed statement's parameters (an
 * uploaded file's bytes, a document's whole vocabulary: one line was 234 MB). Drizzle puts them in its
 * message and stack ("Failed query: … params: …"), PGlite in its error's `params`. Kept: the type, the
 * message and stack (capped), the driver's diagnostics (code 53100, severity, hint, routine) and the cause.
 */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return pino.stdSerializers.err(error as Error);
  const cap = (value: string) =>
    value.length > MAX_LOGGED_MESSAGE
      ? `${value.slice(0, MAX_LOGGED_MESSAGE)}… (${value.length} characters)`
      : value;
  let message = error.message;
  let stack = error.stack ?? '';
  if (message.startsWith('Failed query:')) {
    const sqlText = message.slice('Failed query:'.length).split('\nparams:')[0]!.trim();
    message = `a database statement failed: ${sqlText.slice(0, 200)}`;
    stack = `${error.name}: ${message}`;
  }
  const out: Record<string, unknown> = {
    type: error.constructor.name,
    message: cap(message),
    stack: cap(stack),
  };
  for (const [key, value] of Object.entries(error)) {
    if (key === 'params' || key in out) continue;
    if (typeof value === 'string') out[key] = cap(value);
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  if (error.cause !== undefined && depth < 5) out.cause = serializeError(error.cause, depth + 1);
  return out;
}

type LoggerConfig = Pick<Config, 'LOG_LEVEL'> & Partial<Pick<Config, 'LOG_FORMAT' | 'NODE_ENV'>>;

/**
 * Logs on stdout: JSON for collectors, or readable lines when a person watches a terminal (LOG_FORMAT).
 * Secrets are redacted by path so that a careless log line cannot leak them.
 */
export function createLogger(
  config: LoggerConfig,
  name = 'ex-gpt',
  /** Where JSON lines go (tests); stdout otherwise. */
  destination?: pino.DestinationStream,
): Logger & pino.Logger {
  const format = config.LOG_FORMAT ?? 'auto';
  const pretty =
    format === 'pretty' || (format === 'auto' && process.stdout.isTTY && config.NODE_ENV !== 'production');
  const options: pino.LoggerOptions = {
    name,
    level: config.LOG_LEVEL,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'req.headers["x-slack-signature"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.apiKey',
        '*.token',
        '*.secret',
      ],
      censor: '[redacted]',
    },
    base: { pid: process.pid },
    serializers: {
      err: (error: unknown) => serializeError(error),
      error: (error: unknown) => serializeError(error),
    },
  };
  if (destination) return pino(options, destination);
  if (!pretty) return pino(options);
  // pino-pretty as a synchronous stream in this thread: no transport worker, and lines written just
  // before an exit are not lost.
  const stream = PinoPretty({
    colorize: process.stdout.isTTY,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    sync: true,
  });
  return pino(options, stream);
}
