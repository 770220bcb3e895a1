/**
 * Prints the admin API's SDL to admin/api/schema.graphql, or with --check fails when the committed file
 * differs from what the code defines (npm run check:schema).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printAdminSchema } from './schema/index.ts';

const file = fileURLToPath(new URL('./schema.graphql', import.meta.url));
const printed = `# Generated from admin/api/schema/*.ts by \`npm run schema:write\`; do not edit by hand.\n${printAdminSchema()}`;

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // missing counts as drift
  }
  if (committed !== printed) {
    process.stderr.write(
      'admin/api/schema.graphql is out of date with admin/api/schema/*.ts: run `npm run schema:write`.\n',
    );
    process.exit(1);
  }
  process.stdout.write('admin/api/schema.graphql matches the code.\n');
} else {
  writeFileSync(file, printed);
  process.stdout.write(`wrote ${file}\n`);
}
