import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../http-client.ts';
import { parseRobots } from './robots.ts';

describe('robots.txt', () => {
  it('reads the recorded Google example as RFC 9309 does', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(
      new URL('../../../../shared/fixtures/connectors/sitemaps/robots.google-docs.txt', import.meta.url),
      'utf8',
    );
    const robots = parseRobots(text, 'ex-GPT-connector/1');
    expect(robots.sitemaps).toEqual(['https://www.example.com/sitemap.xml']);
    // Googlebot's group is not ours: `*` allows everything.
    expect(robots.allows(new URL('https://www.example.com/nogooglebot/page'))).toBe(true);
    expect(parseRobots(text, 'Googlebot').allows(new URL('https://www.example.com/nogooglebot/page'))).toBe(
      false,
    );
  });

  it('takes the longest match, Allow winning a tie, and the group of its own token over *', () => {
    const robots = parseRobots(
      'User-agent: *\nDisallow: /\n\nUser-agent: ex-gpt-connector\nDisallow: /private\nAllow: /private/open$\nDisallow: /*.pdf$\n',
      'ex-GPT-connector/1',
    );
    expect(robots.allows(new URL('https://intra.example/guide'))).toBe(true);
    expect(robots.allows(new URL('https://intra.example/private/a'))).toBe(false);
    expect(robots.allows(new URL('https://intra.example/private/open'))).toBe(true);
    expect(robots.allows(new URL('https://intra.example/files/규정.pdf'))).toBe(false);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(
      30_000,
    );
    expect(retryAfterMs('soon')).toBeNull();
  });
});
