/**
 * What the web process leaves in DATA_DIR for the CLI: where it listens (so the CLI talks to it over
 * REST instead of opening the embedded database a second time) and the CLI's API key.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ServerInfo {
  readonly pid: number;
  readonly url: string;
  readonly startedAt: string;
}

const SERVER_FILE = 'server.json';
const CLI_KEY_FILE = 'cli-api-key';

export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, SERVER_FILE), `${JSON.stringify(info, null, 2)}\n`);
}

export function removeServerInfo(dataDir: string, pid = process.pid): void {
  const info = readServerInfo(dataDir);
  if (info?.pid === pid) rmSync(path.join(dataDir, SERVER_FILE), { force: true });
}

/** The running server's info, or null when there is none (a stale file of a dead process counts as none). */
export function readServerInfo(dataDir: string): ServerInfo | null {
  const file = path.join(dataDir, SERVER_FILE);
  if (!existsSync(file)) return null;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as ServerInfo;
    return isAlive(info.pid) ? info : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writeCliKey(dataDir: string, key: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, CLI_KEY_FILE);
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export function readCliKey(dataDir: string): string | null {
  const file = path.join(dataDir, CLI_KEY_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || null : null;
}
