import { pino } from 'pino';
import type { Config, Logger } from '#core';

/** JSON logs on stdout. Secrets are redacted by path so that a careless log line cannot leak them. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name = 'ex-gpt'): Logger & pino.Logger {
  return pino({
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
  });
}
