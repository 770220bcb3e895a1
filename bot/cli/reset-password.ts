/**
 * npm run admin:reset-password -- EMAIL
 * Gives an account a new generated password, unlocks it and ends its sessions (audited). With the server
 * running on the embedded database it goes through the server (one process per data directory);
 * otherwise it opens the database itself.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isAppError } from '#core';
import { openDatabase } from '#db';
import { type PasswordReset, resetPasswordByEmail } from '../../admin/api/index.ts';
import { readServerInfo } from '../data-dir.ts';
import { LOCAL_TOKEN_HEADER } from '../local-admin-routes.ts';
import { readLocalAdminToken } from '../local-admin-token.ts';
import { fail, loadCliConfig } from './connect.ts';

const USAGE = 'Usage: npm run admin:reset-password -- EMAIL';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  const [email] = positionals;
  if (values.help || !email || positionals.length > 1) fail(USAGE);

  const config = loadCliConfig();
  const dataDir = path.resolve(config.DATA_DIR);
  const server = config.DATABASE_URL ? null : readServerInfo(dataDir);
  const reset = server
    ? await throughServer(server.url, dataDir, email)
    : await directly(config, dataDir, email);
  process.stdout.write(
    `New password for ${reset.email}: ${reset.password}\n` +
      'The account is unlocked and signed out everywhere; sign in with this password and change it under your profile.\n',
  );
  if (reset.disabled) {
    process.stdout.write(
      'Note: this account is disabled; another admin must enable it before it can sign in.\n',
    );
  }
}

async function directly(
  config: ReturnType<typeof loadCliConfig>,
  dataDir: string,
  email: string,
): Promise<PasswordReset> {
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir, poolSize: 2 });
  try {
    return await resetPasswordByEmail(database.db, email);
  } catch (error) {
    if (isAppError(error) && error.expose) fail(error.message);
    throw error;
  } finally {
    await database.close();
  }
}

async function throughServer(url: string, dataDir: string, email: string): Promise<PasswordReset> {
  const token = readLocalAdminToken(dataDir);
  if (!token)
    fail(`The server at ${url} left no local admin token in ${dataDir}: restart it, then try again.`);
  const response = await fetch(new URL('/local/reset-password', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', [LOCAL_TOKEN_HEADER]: token },
    body: JSON.stringify({ email }),
  }).catch(() =>
    fail(`The server at ${url} does not answer; stop it (or wait until it is up) and try again.`),
  );
  const body = (await response.json().catch(() => null)) as
    | (PasswordReset & { error?: { message?: string } })
    | null;
  if (!response.ok || !body) fail(body?.error?.message ?? `The server answered HTTP ${response.status}.`);
  return body;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Resetting the password failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
