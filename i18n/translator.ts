/**
 * One translator for the chat side and the console: ICU MessageFormat over flat catalogues (one per
 * language, i18n/locales/<lang>.json). Pure: it gets the catalogues from its caller, so it runs in Node
 * (read from disk, i18n/index.ts) and in the browser (bundled by Vite, admin/web/src/lib/i18n.svelte.ts).
 */
import { IntlMessageFormat } from 'intl-messageformat';
import type en from './locales/en.json';

/** Every message id; English is the reference catalogue, so a key used in code must exist there. */
export type MessageKey = keyof typeof en;
export type MessageValues = Readonly<Record<string, string | number | Date>>;
export type Catalogue = Readonly<Record<string, string>>;

export interface Translator {
  /** The catalogue's language, a BCP 47 primary subtag ('en', 'ko'), also what Intl formats with. */
  readonly locale: string;
  t(key: MessageKey, values?: MessageValues): string;
}

export const REFERENCE_LOCALE = 'en';

/**
 * The first of `wanted` (browser languages, a platform locale such as Slack's "ko-KR") that a catalogue
 * exists for, matched on the primary subtag; undefined when none is.
 */
export function negotiateLocale(
  wanted: readonly (string | null | undefined)[],
  available: readonly string[],
): string | undefined {
  for (const tag of wanted) {
    if (!tag) continue;
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
    if (primary && available.includes(primary)) return primary;
  }
  return undefined;
}

/**
 * A translator for `locale`. A key the locale's catalogue lacks falls back to English (npm run check
 * fails on that, but a running bot should still say something); an unknown key is shown as itself.
 */
export function createTranslator(
  locale: string,
  catalogues: Readonly<Record<string, Catalogue>>,
): Translator {
  const own = catalogues[locale] ?? {};
  const reference = catalogues[REFERENCE_LOCALE] ?? {};
  const formats = new Map<string, IntlMessageFormat>();
  return {
    locale,
    t(key, values) {
      let format = formats.get(key);
      if (!format) {
        const inOwn = own[key];
        const message = inOwn ?? reference[key];
        if (message === undefined) return key;
        format = new IntlMessageFormat(message, inOwn === undefined ? REFERENCE_LOCALE : locale);
        formats.set(key, format);
      }
      return String(format.format(values));
    },
  };
}
