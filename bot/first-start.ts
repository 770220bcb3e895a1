/**
 * First-start credentials survive a failed first start: they are kept in DATA_DIR (mode 0600) from the
 * moment the administrator is created, and printed at every start until that administrator has signed
 * in once. A start that dies on a busy port therefore no longer locks the admin out.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type BootstrapResult, type Db, findUserByEmail } from '#db';
import { writeCliKey } from './data-dir.ts';

const FILE = 'first-start.json';

export interface FirstStartCredentials {
  readonly email: string;
  /** Absent when ADMIN_PASSWORD chose it: the operator already knows it. */
  readonly password?: string;
  readonly apiKey?: string;
  readonly apiKeyFile?: string;
}

/** Keeps what bootstrap created (nothing when the database already had users). */
export function keepFirstStartCredentials(dataDir: string, boot: BootstrapResult): void {
  if (!boot.created || !boot.adminEmail) return;
  const apiKeyFile = boot.cliApiKey ? writeCliKey(dataDir, boot.cliApiKey) : undefined;
  const credentials: FirstStartCredentials = {
    email: boot.adminEmail,
    ...(boot.generatedPassword ? { password: boot.generatedPassword } : {}),
    ...(boot.cliApiKey ? { apiKey: boot.cliApiKey } : {}),
    ...(apiKeyFile ? { apiKeyFile } : {}),
  };
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, FILE);
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * The credentials still to show, or null once the administrator has signed in (the file is then
 * deleted: the password should live only in the admin's head or password manager).
 */
export async function pendingFirstStartCredentials(
  db: Db,
  dataDir: string,
): Promise<FirstStartCredentials | null> {
  const file = path.join(dataDir, FILE);
  if (!existsSync(file)) return null;
  let credentials: FirstStartCredentials;
  try {
    credentials = JSON.parse(readFileSync(file, 'utf8')) as FirstStartCredentials;
  } catch {
    rmSync(file, { force: true });
    return null;
  }
  const admin = await findUserByEmail(db, credentials.email);
  if (!admin || admin.lastLoginAt) {
    rmSync(file, { force: true });
    return null;
  }
  return credentials;
}

export function forgetFirstStartCredentials(dataDir: string): void {
  rmSync(path.join(dataDir, FILE), { force: true });
}

export function formatFirstStart(url: string, credentials: FirstStartCredentials): string {
  const lines = [
    '',
    '  ex-GPT first start: sign in as the administrator.',
    `    console   ${url}`,
    `    email     ${credentials.email}`,
    credentials.password
      ? `    password  ${credentials.password}    (shown at each start until you first sign in)`
      : '    password  the ADMIN_PASSWORD you set',
    credentials.apiKey
      ? `    API key   ${credentials.apiKey}    (for the CLI and REST; saved to ${credentials.apiKeyFile})`
      : '',
    '    lost it later? npm run admin:reset-password -- EMAIL',
  ];
  return `${lines.filter((l) => l !== '').join('\n')}\n\n`;
}
