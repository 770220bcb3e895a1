/**
 * The admin console (admin/web) is built with Vite into admin/web/dist, which the web process serves.
 * `npm start` rebuilds it first when any of its sources is newer than the build, so a fresh clone needs
 * only `npm install && npm start`, and a `git pull` never serves yesterday's console.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const CONSOLE_ROOT = path.resolve(import.meta.dirname, '../admin/web');
export const CONSOLE_DIST = path.join(CONSOLE_ROOT, 'dist');

const SOURCES = ['src', 'index.html', 'vite.config.ts', 'tsconfig.json'];

function newestMtime(entry: string): number {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its folder's mtime
  for (const name of readdirSync(entry)) {
    if (name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, newestMtime(path.join(entry, name)));
  }
  return newest;
}

/** Why the console needs building, or null when dist is newer than every source. */
export function consoleBuildReason(root = CONSOLE_ROOT): string | null {
  let built: number;
  try {
    built = statSync(path.join(root, 'dist', 'index.html')).mtimeMs;
  } catch {
    return 'not built yet';
  }
  const sources = Math.max(...SOURCES.map((name) => newestMtime(path.join(root, name))));
  return sources > built ? 'sources changed since the last build' : null;
}

export async function buildConsole(root = CONSOLE_ROOT): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'vite.config.ts'), root, logLevel: 'warn' });
}

export async function buildConsoleIfStale(root = CONSOLE_ROOT): Promise<string | null> {
  const reason = consoleBuildReason(root);
  if (reason) await buildConsole(root);
  return reason;
}
