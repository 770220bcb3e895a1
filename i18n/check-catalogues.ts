/**
 * `npm run check:i18n`: every catalogue in i18n/locales has exactly the English catalogue's keys, each
 * message parses as ICU MessageFormat with the same arguments as its English original, and every
 * `t('key')` written in the bot and the console names a key that exists. Any problem fails the check.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { type Catalogue, LOCALES_DIR, REFERENCE_LOCALE, readCatalogues } from './index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where code that shows words to people lives. */
const SOURCE_DIRS = ['bot', 'admin/web/src', 'admin/api', 'core', 'db', 'workers'];
/**
 * `t('key'…`, `t("key"…` and `translator.t('key'…`: the key is the first, literal argument; and an error's
 * sentence for its caller, `localized: { key: 'key'…`.
 */
const KEY_USE = /(?:\bt\(\s*|\blocalized:\s*\{\s*key:\s*)(['"])([a-zA-Z0-9_.-]+)\1/g;

function argumentsOf(elements: readonly MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const element of elements) {
    if (element.type === TYPE.literal || element.type === TYPE.pound) continue;
    into.add(element.value);
    if (element.type === TYPE.plural || element.type === TYPE.select) {
      for (const option of Object.values(element.options)) argumentsOf(option.value, into);
    } else if (element.type === TYPE.tag) argumentsOf(element.children, into);
  }
  return into;
}

function sourceFiles(dir: string): string[] {
  const full = path.join(ROOT, dir);
  return readdirSync(full, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|svelte)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter(
      (file) =>
        !file.includes(`${path.sep}node_modules${path.sep}`) && !file.includes(`${path.sep}dist${path.sep}`),
    );
}

export function catalogueProblems(catalogues: Readonly<Record<string, Catalogue>>): string[] {
  const problems: string[] = [];
  const reference = catalogues[REFERENCE_LOCALE];
  if (!reference) return [`no ${REFERENCE_LOCALE}.json in ${LOCALES_DIR}`];
  const referenceArgs = new Map<string, string>();
  for (const [locale, catalogue] of Object.entries(catalogues)) {
    for (const key of Object.keys(reference)) {
      if (typeof catalogue[key] !== 'string') problems.push(`${locale}.json: missing "${key}"`);
    }
    for (const [key, message] of Object.entries(catalogue)) {
      if (!(key in reference)) {
        problems.push(`${locale}.json: "${key}" is not in ${REFERENCE_LOCALE}.json`);
        continue;
      }
      let args: string;
      try {
        args = [...argumentsOf(parse(message))].sort().join(', ');
      } catch (error) {
        problems.push(`${locale}.json: "${key}" is not valid ICU MessageFormat (${String(error)})`);
        continue;
      }
      if (locale === REFERENCE_LOCALE) referenceArgs.set(key, args);
      else {
        const wanted = argumentsOf(parse(reference[key]!));
        const expected = [...wanted].sort().join(', ');
        if (args !== expected) {
          problems.push(
            `${locale}.json: "${key}" uses {${args}} where ${REFERENCE_LOCALE} uses {${expected}}`,
          );
        }
      }
    }
  }
  return problems;
}

export function unknownKeysInCode(reference: Catalogue, dirs: readonly string[] = SOURCE_DIRS): string[] {
  const problems: string[] = [];
  for (const file of dirs.flatMap(sourceFiles)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(KEY_USE)) {
      const key = match[2]!;
      if (!(key in reference)) {
        const line = text.slice(0, match.index).split('\n').length;
        problems.push(`${path.relative(ROOT, file)}:${line}: "${key}" is in no catalogue`);
      }
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const catalogues = readCatalogues();
  const problems = [
    ...catalogueProblems(catalogues),
    ...unknownKeysInCode(catalogues[REFERENCE_LOCALE] ?? {}),
  ];
  for (const problem of problems) process.stderr.write(`${problem}\n`);
  if (problems.length > 0) {
    process.stderr.write(`catalogues: ${problems.length} problem(s)\n`);
    process.exit(1);
  }
  process.stdout.write(
    `catalogues: ${Object.keys(catalogues).join(', ')} complete (${Object.keys(catalogues[REFERENCE_LOCALE] ?? {}).length} messages each)\n`,
  );
}
