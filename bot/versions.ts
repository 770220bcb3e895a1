import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** ex-GPT's version, from package.json (read once). */
export function appVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
  return cachedVersion;
}
let cachedVersion: string | undefined;
