/**
 * Dates, numbers and money for people, in the console's language (i18n.locale): reading it here makes
 * every template that formats re-render when the language is switched.
 */
import { i18n, t } from './i18n.svelte.ts';

const formats = new Map<string, Intl.DateTimeFormat | Intl.RelativeTimeFormat | Intl.NumberFormat>();
function cached<F extends Intl.DateTimeFormat | Intl.RelativeTimeFormat | Intl.NumberFormat>(
  key: string,
  make: (locale: string) => F,
): F {
  const id = `${i18n.locale}:${key}`;
  let format = formats.get(id) as F | undefined;
  if (!format) {
    format = make(i18n.locale);
    formats.set(id, format);
  }
  return format;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return cached(
    'dateTime',
    (l) => new Intl.DateTimeFormat(l, { dateStyle: 'medium', timeStyle: 'short' }),
  ).format(new Date(iso));
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return cached('date', (l) => new Intl.DateTimeFormat(l, { dateStyle: 'medium' })).format(new Date(iso));
}

export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) {
      const relative = cached('relative', (l) => new Intl.RelativeTimeFormat(l, { numeric: 'auto' }));
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return t('format.justNow');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatNumber(value: number): string {
  const compact = value >= 100_000;
  return cached(
    compact ? 'compact' : 'number',
    (l) => new Intl.NumberFormat(l, { maximumFractionDigits: 1, notation: compact ? 'compact' : 'standard' }),
  ).format(value);
}

export function formatPercent(value: number): string {
  const precise = value > 0 && value < 0.1;
  return cached(
    precise ? 'percent1' : 'percent',
    (l) => new Intl.NumberFormat(l, { style: 'percent', maximumFractionDigits: precise ? 1 : 0 }),
  ).format(value);
}

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function formatUsd(value: number): string {
  const small = value < 1;
  return cached(
    small ? 'usdSmall' : 'usd',
    (l) =>
      new Intl.NumberFormat(l, { style: 'currency', currency: 'USD', maximumFractionDigits: small ? 4 : 2 }),
  ).format(value);
}

/** Splits an answer into text and `[n]` citation markers, for clickable sources. */
export function splitCitations(answer: string): ({ text: string } | { cite: number })[] {
  const parts: ({ text: string } | { cite: number })[] = [];
  let last = 0;
  for (const match of answer.matchAll(/\[(\d{1,2})\]/g)) {
    if (match.index > last) parts.push({ text: answer.slice(last, match.index) });
    parts.push({ cite: Number(match[1]) });
    last = match.index + match[0].length;
  }
  if (last < answer.length) parts.push({ text: answer.slice(last) });
  return parts;
}

/** The sentence for a single sign-on failure code the server redirects back with (?sign_in_error=). */
export function signInErrorText(code: string): string {
  switch (code) {
    case 'sso_refused':
      return t('signIn.error.sso_refused');
    case 'forbidden':
      return t('signIn.error.forbidden');
    case 'unauthenticated':
      return t('signIn.error.unauthenticated');
    case 'invalid_input':
      return t('signIn.error.invalid_input');
    case 'internal':
      return t('signIn.error.internal');
    default:
      return t('signIn.error.other');
  }
}
