/**
 * Where in a document a cited text is: its section (heading path, a sheet's name, "Slide N: title") and,
 * for formats with pages, the page, worded by the catalogue ("p. 3", "3쪽"). One wording for Slack,
 * Teams, the CLI and the console, so a citation reads the same wherever it is shown.
 */
import type { Translator } from './translator.ts';

export interface SourcePlace {
  readonly section: string | null;
  readonly page: number | null;
}

/** "Leave › Vacation · p. 3", "p. 3", "Leave › Vacation", or null when the source says nothing more. */
export function sourceLocation(source: SourcePlace, tr: Pick<Translator, 't'>): string | null {
  const parts: string[] = [];
  if (source.section) parts.push(source.section);
  if (source.page !== null && Number.isInteger(source.page) && source.page > 0) {
    parts.push(tr.t('source.page', { page: source.page }));
  }
  return parts.length > 0 ? parts.join(' · ') : null;
}
