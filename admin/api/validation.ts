import { z } from 'zod';
import { AppError } from '#core';

/**
 * Validates arguments beyond what GraphQL's types say; failures name each field:
 * `extensions: { code: "invalid_input", fields: { email: "must be an e-mail address" } }`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || 'input';
    fields[key] ??= issue.message;
  }
  const summary = Object.entries(fields)
    .map(([field, message]) => `${field}: ${message}`)
    .join('; ');
  throw new AppError('invalid_input', `Invalid input. ${summary}`, {
    details: { fields },
    localized: { key: 'errors.invalidInput', values: { summary } },
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id this API returned (a UUID); anything else is an input error, never a database error. */
export const idRule = z.string().regex(UUID, 'is not an id this API returned');

export const nameRule = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((v) => (v ? v : null));
