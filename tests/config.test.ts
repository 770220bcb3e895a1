import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig } from '#core';

describe('config', () => {
  it('runs with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATA_DIR).toBe('./data');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.EMBEDDING_MODEL).toBe('local');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty values as unset, as .env files write them', () => {
    const config = loadConfig({ DATABASE_URL: '', REDIS_URL: '', CHAT_MODEL: '' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.CHAT_MODEL).toBeUndefined();
  });

  it('stops on a bad value and names the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD: must be at least 12/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('refuses a chunk overlap the chunker cannot use, instead of leaving documents in "processing"', () => {
    expect(() => loadConfig({ CHUNK_TOKENS: '64' })).toThrow(
      /CHUNK_OVERLAP_TOKENS: must be at most half of CHUNK_TOKENS \(32\)/,
    );
    expect(loadConfig({ CHUNK_TOKENS: '64', CHUNK_OVERLAP_TOKENS: '16' }).CHUNK_OVERLAP_TOKENS).toBe(16);
  });

  it('.env.example lists every variable with its default', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const listed = new Map(
      [...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    const defaults = loadConfig({});
    for (const name of Object.keys(configSchema.shape)) {
      expect(listed.has(name), `${name} missing from .env.example`).toBe(true);
      const value = defaults[name as keyof typeof defaults];
      expect(listed.get(name), `${name}'s default in .env.example`).toBe(
        value === undefined ? '' : String(value),
      );
    }
  });
});
