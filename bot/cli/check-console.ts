/**
 * `npm run typecheck:console`: the console's TypeScript modules through tsc (admin/web/tsconfig.json),
 * and every component through the Svelte compiler, failing on any error or warning (accessibility
 * warnings included). svelte-check would do both, but it needs TypeScript ≤ 6 and the repo uses 7.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compile } from 'svelte/compiler';
import { CONSOLE_ROOT } from '../console-build.ts';

function svelteFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return svelteFiles(full);
    return entry.name.endsWith('.svelte') ? [full] : [];
  });
}

let problems = 0;
for (const file of svelteFiles(path.join(CONSOLE_ROOT, 'src'))) {
  const relative = path.relative(process.cwd(), file);
  try {
    const { warnings } = compile(readFileSync(file, 'utf8'), { filename: file, generate: 'client' });
    for (const warning of warnings) {
      problems += 1;
      process.stderr.write(`${relative}:${warning.start?.line ?? 0}: ${warning.code}: ${warning.message}\n`);
    }
  } catch (error) {
    problems += 1;
    process.stderr.write(`${relative}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

try {
  execFileSync('tsc', ['--noEmit', '-p', path.join(CONSOLE_ROOT, 'tsconfig.json')], { stdio: 'inherit' });
} catch {
  problems += 1;
}

if (problems > 0) {
  process.stderr.write(`admin console: ${problems} problem(s)\n`);
  process.exit(1);
}
process.stdout.write('admin console: components and modules check out\n');
