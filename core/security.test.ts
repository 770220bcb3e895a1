import { describe, expect, it } from 'vitest';
import {
  generateApiKey,
  generatePassword,
  hashPassword,
  looksLikeApiKey,
  sha256Hex,
  verifyPassword,
} from './security.ts';

describe('passwords', () => {
  it('are stored as argon2id hashes that verify only the right password', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(stored).not.toContain('correct horse');
    expect(await verifyPassword(stored, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(stored, 'Correct horse battery staple')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });

  it('generated passwords are long and differ each time', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[\w]{5}-[\w]{5}-[\w]{5}-[\w]{5}$/);
    expect(generatePassword()).not.toBe(a);
  });
});

describe('API keys', () => {
  it('are random, recognisable, and stored only as their SHA-256', () => {
    const { key, prefix, hash } = generateApiKey();
    expect(looksLikeApiKey(key)).toBe(true);
    expect(key.startsWith(prefix)).toBe(true);
    expect(hash).toBe(sha256Hex(key));
    expect(hash).not.toContain(key.slice(4));
    expect(generateApiKey().key).not.toBe(key);
    expect(looksLikeApiKey('exg_short')).toBe(false);
  });
});
