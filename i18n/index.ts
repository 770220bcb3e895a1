/**
 * The catalogues for Node processes (the bot, the CLIs): every i18n/locales/<lang>.json, read once.
 * A new language is one new file there; nothing else lists the languages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Catalogue, createTranslator, negotiateLocale, type Translator } from './translator.ts';

export { type SourcePlace, sourceLocation } from './source-location.ts';
export {
  acceptedLanguages,
  type Catalogue,
  createTranslator,
  type MessageKey,
  type MessageValues,
  negotiateLocale,
  REFERENCE_LOCALE,
  type Translator,
} from './translator.ts';

export const LOCALES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'locales');

export function readCatalogues(dir: string = LOCALES_DIR): Record<string, Catalogue> {
  const catalogues: Record<string, Catalogue> = {};
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.json')) continue;
    catalogues[name.slice(0, -'.json'.length)] = JSON.parse(
      readFileSync(path.join(dir, name), 'utf8'),
    ) as Catalogue;
  }
  return catalogues;
}

const catalogues = readCatalogues();
const translators = new Map<string, Translator>();

/** Languages with a catalogue, e.g. ['en', 'ko']. */
export const AVAILABLE_LOCALES: readonly string[] = Object.keys(catalogues);

/** The translator for the first of `wanted` that has a catalogue, else for `fallback`. */
export function translatorFor(wanted: readonly (string | null | undefined)[], fallback = 'en'): Translator {
  const locale = negotiateLocale([...wanted, fallback], AVAILABLE_LOCALES) ?? 'en';
  let translator = translators.get(locale);
  if (!translator) {
    translator = createTranslator(locale, catalogues);
    translators.set(locale, translator);
  }
  return translator;
}
