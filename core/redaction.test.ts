import { describe, expect, it } from 'vitest';
import { NO_REDACTION, redactPersonalData } from './redaction.ts';

const all = { emails: true, phoneNumbers: true };

describe('redactPersonalData', () => {
  it('replaces e-mail addresses', () => {
    expect(redactPersonalData('Mail jane.doe+hr@example.co.uk about it', all)).toBe('Mail [email] about it');
  });

  it('replaces phone numbers written in the usual ways', () => {
    for (const phone of [
      '+49 30 1234567',
      '0044 20 7946 0958',
      '(555) 123-4567',
      '030/12345678',
      '+1-202-555-0143',
    ]) {
      expect(redactPersonalData(`Call ${phone} today`, all), phone).toBe('Call [phone] today');
    }
  });

  it('keeps dates, years, amounts and ordinary numbers', () => {
    const text = 'Since 2024-01-15 we get 30 days, 1999 to 2024, 12 500 EUR, policy 4.2.1';
    expect(redactPersonalData(text, all)).toBe(text);
  });

  it('does nothing when the rules are off, and applies only the rules that are on', () => {
    const text = 'jane@example.com +49 30 1234567';
    expect(redactPersonalData(text, NO_REDACTION)).toBe(text);
    expect(redactPersonalData(text, { emails: true, phoneNumbers: false })).toBe('[email] +49 30 1234567');
    expect(redactPersonalData(text, { emails: false, phoneNumbers: true })).toBe('jane@example.com [phone]');
  });
});
