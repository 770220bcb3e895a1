/** The one sentence an operator needs when the web process cannot listen, instead of a stack trace. */
import type { Config } from '#core';

export function explainListenError(error: unknown, config: Pick<Config, 'PORT' | 'HOST'>): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `port ${config.PORT} on ${config.HOST}`;
  switch (code) {
    case 'EADDRINUSE':
      return `${where} is already in use by another program (or another ex-GPT); stop it, or start with another port, e.g. PORT=${nextPort(config.PORT)} npm start.`;
    case 'EACCES':
      return `${where} needs privileges this user does not have; use a port above 1023, e.g. PORT=3000 npm start.`;
    case 'EADDRNOTAVAIL':
      return `${config.HOST} is not an address of this machine; set HOST to one of its addresses, or 0.0.0.0 for all of them.`;
    default:
      return null;
  }
}

function nextPort(port: number): number {
  return port > 0 && port < 65535 ? port + 1 : 3001;
}
