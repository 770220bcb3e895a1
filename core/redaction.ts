/**
 * Redaction of personal data in stored questions (a setting: e-mail addresses, phone numbers).
 * Applied where questions are stored, so neither the console nor an export ever shows the original.
 */
export interface RedactionRules {
  readonly emails: boolean;
  readonly phoneNumbers: boolean;
}

export const NO_REDACTION: RedactionRules = { emails: false, phoneNumbers: false };

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
/** A run of digits with the separators phone numbers are written with; judged by `looksLikePhone`. */
const PHONE_CANDIDATE = /(?<![\p{L}\p{N}+])(?:\+\s?|00|\()?\d(?:[\s()./-]{0,2}\d){6,16}(?![\p{L}\p{N}])/gu;
const DATE_LIKE = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;

function looksLikePhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '').length;
  if (digits < 7 || digits > 15 || DATE_LIKE.test(candidate)) return false;
  if (/^(?:\+|00)/.test(candidate)) return true;
  // Without an international prefix, demand a length that plain counts and years rarely have.
  return digits >= 8;
}

export function redactPersonalData(text: string, rules: RedactionRules): string {
  let out = text;
  if (rules.emails) out = out.replace(EMAIL, '[email]');
  if (rules.phoneNumbers)
    out = out.replace(PHONE_CANDIDATE, (match) => (looksLikePhone(match) ? '[phone]' : match));
  return out;
}
