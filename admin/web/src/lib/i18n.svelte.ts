/**
 * The console's language: the catalogues in i18n/locales (bundled), the current locale as state, and `t()`.
 * Starts from the browser's languages; the signed-in user's remembered choice (server-side) wins once known.
 * Templates that call `t()` or the formatters read `i18n.locale`, so switching re-renders without a reload.
 */

import { type SourcePlace, sourceLocation } from '../../../../i18n/source-location.ts';
import {
  type Catalogue,
  createTranslator,
  type MessageKey,
  type MessageValues,
  negotiateLocale,
  type Translator,
} from '../../../../i18n/translator.ts';

export type { MessageKey } from '../../../../i18n/translator.ts';

const files = import.meta.glob<Catalogue>('../../../../i18n/locales/*.json', {
  eager: true,
  import: 'default',
});
const catalogues: Record<string, Catalogue> = Object.fromEntries(
  Object.entries(files).map(([file, catalogue]) => [file.replace(/^.*\/([^/]+)\.json$/, '$1'), catalogue]),
);

/** Languages with a catalogue, each named in its own language for the switch. */
export const LOCALES: readonly string[] = Object.keys(catalogues).sort();

const translators = new Map<string, Translator>();
function translator(locale: string): Translator {
  let found = translators.get(locale);
  if (!found) {
    found = createTranslator(locale, catalogues);
    translators.set(locale, found);
  }
  return found;
}

export function browserLocale(): string {
  const wanted = typeof navigator === 'undefined' ? [] : [...(navigator.languages ?? []), navigator.language];
  return negotiateLocale(wanted, LOCALES) ?? 'en';
}

export const i18n = $state<{ locale: string }>({ locale: browserLocale() });
if (typeof document !== 'undefined') document.documentElement.lang = i18n.locale;

/** Switches the console's language (an unknown tag is ignored); `<html lang>` follows for screen readers. */
export function setLocale(locale: string | null | undefined): void {
  const chosen = negotiateLocale([locale], LOCALES);
  if (!chosen) return;
  i18n.locale = chosen;
  if (typeof document !== 'undefined') document.documentElement.lang = chosen;
}

export function t(key: MessageKey, values?: MessageValues): string {
  return translator(i18n.locale).t(key, values);
}

/** Where a cited text is in its document ("Leave › Vacation · 3쪽"), worded as in Slack and Teams. */
export function sourceWhere(source: SourcePlace): string | null {
  return sourceLocation(source, { t });
}

/** The language's own name ("한국어", "English"), for the switch. */
export function localeName(locale: string): string {
  return new Intl.DisplayNames([locale], { type: 'language' }).of(locale) ?? locale;
}
