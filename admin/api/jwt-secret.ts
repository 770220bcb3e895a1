import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '#core';

export const JWT_SECRET_FILE = 'jwt-secret';

/**
 * The secret that signs access tokens: JWT_SECRET when set; otherwise one generated on first start and
 * kept in DATA_DIR (mode 0600) so sessions survive restarts. Production refuses to start without
 * JWT_SECRET (see core/config.ts): a file in one data directory is not shared between instances.
 */
export function resolveJwtSecret(config: Pick<Config, 'JWT_SECRET' | 'NODE_ENV'>, dataDir: string): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  if (config.NODE_ENV === 'production') throw new Error('JWT_SECRET must be set when NODE_ENV=production');
  const file = path.join(dataDir, JWT_SECRET_FILE);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  // writeFileSync's mode applies only when it creates the file; make sure of it either way.
  chmodSync(file, 0o600);
  return secret;
}
