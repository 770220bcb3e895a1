import { pino } from 'pino';
import PinoPretty from 'pino-pretty';
import type { Config, Logger } from '#core';

type LoggerConfig = Pick<Config, 'LOG_LEVEL'> & Partial<Pick<Config, 'LOG_FORMAT' | 'NODE_ENV'>>;

/**
 * Logs on stdout: JSON for collectors, or readable lines when a person watches a terminal (LOG_FORMAT).
 * Secrets are redacted by path so that a careless log line cannot leak them.
 */
export function createLogger(config: LoggerConfig, name = 'ex-gpt'): Logger & pino.Logger {
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
  };
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
