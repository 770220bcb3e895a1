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

/**
 * The languages of an Accept-Language header, best first ("ko-KR,ko;q=0.9,en;q=0.8" → ko-KR, ko, en);
 * q=0 entries and `*` are left out. A missing or garbled header gives none.
 */
export function acceptedLanguages(header: string | null | undefined): string[] {
  if (!header) return [];
  const ranked: { tag: string; q: number; order: number }[] = [];
  for (const [order, part] of header.split(',').slice(0, 20).entries()) {
    const [rawTag, ...params] = part.trim().split(';');
    const tag = rawTag?.trim() ?? '';
    if (!/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag)) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    ranked.push({ tag, q, order });
  }
  return ranked.sort((a, b) => b.q - a.q || a.order - b.order).map((entry) => entry.tag);
}
