/**
 * Lets `npm run admin:reset-password` work through a running server: the server writes a random token
 * into DATA_DIR (mode 0600) and accepts it, from loopback only, for that one operation. Whoever can read
 * DATA_DIR could delete the data anyway, so the token grants nothing they do not already have.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const FILE = 'local-admin-token';

export function createLocalAdminToken(dataDir: string): { value: string; remove(): void } {
  const value = randomBytes(32).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, FILE);
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return {
    value,
    remove: () => {
      if (readLocalAdminToken(dataDir) === value) rmSync(file, { force: true });
    },
  };
}

export function readLocalAdminToken(dataDir: string): string | null {
  const file = path.join(dataDir, FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || null : null;
}

export function sameToken(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
