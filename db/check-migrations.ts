/**
 * Fails when db/schema.ts has changes that no committed migration holds: generates into a copy of
 * the migrations folder and checks that drizzle-kit found nothing to write.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// drizzle-kit resolves `out` relative to the working directory, so the scratch copy lives inside the project.
const cache = path.join(root, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const work = mkdtempSync(path.join(cache, 'exgpt-migrations-'));
try {
  const out = path.join(work, 'migrations');
  cpSync(path.join(root, 'db', 'migrations'), out, { recursive: true });
  const before = new Set(readdirSync(out));
  const config = path.join(work, 'drizzle.config.json');
  writeFileSync(
    config,
    JSON.stringify({ dialect: 'postgresql', schema: './db/schema.ts', out: path.relative(root, out) }),
  );
  const output = execFileSync(
    path.join(root, 'node_modules', '.bin', 'drizzle-kit'),
    ['generate', '--config', config, '--name', 'drift'],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // drizzle-kit can print an error and still exit 0: only its own success lines count.
  if (!/No schema changes|migration file/i.test(output)) {
    process.stderr.write(`drizzle-kit did not run cleanly:\n${output}\n`);
    process.exit(1);
  }
  const added = readdirSync(out).filter((f) => !before.has(f));
  if (added.length > 0) {
    process.stderr.write(
      'db/schema.ts has changes without a migration. Run `npm run db:generate -- --name <what changed>` and commit it.\n',
    );
    process.exit(1);
  }
  process.stdout.write('migrations: in step with db/schema.ts\n');
} finally {
  rmSync(work, { recursive: true, force: true });
}
