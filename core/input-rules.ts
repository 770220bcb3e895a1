/**
 * Rules for text that arrives from outside, shared by every edge (REST, GraphQL, chat, CLI) so they agree.
 */
import { AppError } from './errors.ts';

/** PostgreSQL's text cannot store NUL, nor half of a UTF-16 surrogate pair (not valid UTF-8). */
function isStorable(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

/**
 * The path of the first string PostgreSQL could not store (a NUL character, a lone surrogate), or null.
 * Object keys are checked too: a NUL in a field name reaches logs and error messages.
 */
export function findNulCharacter(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return isStorable(value) ? null : path || 'input';
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findNulCharacter(item, path ? `${path}.${i}` : String(i));
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyPath = path ? `${path}.${printable(key)}` : printable(key);
      if (!isStorable(key)) return keyPath;
      const found = findNulCharacter(item, keyPath);
      if (found) return found;
    }
  }
  return null;
}

/** Throws `invalid_input` naming the field when any string in `value` could not be stored. */
export function assertNoNulCharacters(value: unknown, path = ''): void {
  const field = findNulCharacter(value, path);
  if (field) throw nulCharacterError(field);
}

export function nulCharacterError(field: string): AppError {
  const reason = 'must not contain NUL characters or broken Unicode';
  return new AppError('invalid_input', `Invalid input. ${field}: ${reason}`, {
    details: { fields: { [field]: reason } },
  });
}

/** Field names echoed in errors: NULs and other control characters shown escaped, and kept short. */
function printable(key: string): string {
  const escaped = key
    .toWellFormed()
    // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > 60 ? `${escaped.slice(0, 60)}…` : escaped;
}

const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/** A document's link is shown and followed in the console and in chat: only http(s) and mailto. */
export function isSafeLinkUrl(value: string): boolean {
  try {
    return LINK_SCHEMES.has(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * Values a caller sent that matched nothing, for an error message: the first few, each cut short, so a
 * 100 KB "name" is never echoed back whole ("a, b, c and 7 more").
 */
export function quoteUnknown(values: readonly string[], shown = 3): string {
  const quoted = values.slice(0, shown).map(printable);
  const more = values.length - quoted.length;
  return more > 0 ? `${quoted.join(', ')} and ${more} more` : quoted.join(', ');
}
