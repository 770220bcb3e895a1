/**
 * The website source against a site served on loopback: robots.txt, a sitemap, ETag and Last-Modified,
 * Korean and English pages, and the hostile cases (a redirect loop, an endless response, a sitemap bomb,
 * a 429 with Retry-After).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCollection, createTestEngine, type TestEngine } from '../support/engine.ts';
import { ask, buildSource, documentsOf, runSource } from './support.ts';

interface Site {
  readonly pages: Map<string, { body: string; etag?: string; lastModified?: string }>;
  readonly requests: { path: string; headers: IncomingMessage['headers'] }[];
  robots: string;
  sitemap: string | null;
  /** Paths answered 429 (with this Retry-After) once. */
  readonly throttleOnce: Map<string, string>;
}

const html = (title: string, body: string, links: string[] = []) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${body}</p>${links
    .map((href) => `<a href="${href}">${href}</a>`)
    .join(' ')}</body></html>`;

function serve(site: Site): Promise<{ server: Server; origin: string }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    site.requests.push({ path: url.pathname, headers: req.headers });
    const throttle = site.throttleOnce.get(url.pathname);
    if (throttle !== undefined) {
      site.throttleOnce.delete(url.pathname);
      res.writeHead(429, { 'retry-after': throttle }).end();
      return;
    }
    if (url.pathname === '/robots.txt')
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(site.robots);
    if (url.pathname === '/sitemap.xml') {
      if (site.sitemap === null) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'content-type': 'application/xml' }).end(site.sitemap);
    }
    // A redirect loop.
    if (url.pathname === '/loop-a') return void res.writeHead(302, { location: '/loop-b' }).end();
    if (url.pathname === '/loop-b') return void res.writeHead(302, { location: '/loop-a' }).end();
    // An endless response without a length: written until the reader hangs up.
    if (url.pathname === '/huge') {
      res.writeHead(200, { 'content-type': 'text/html' });
      const block = `<p>${'가나다라 '.repeat(4000)}</p>`;
      const pump = () => {
        while (res.write(block)) {
          if (res.destroyed) return;
        }
      };
      res.on('drain', pump);
      res.on('close', () => res.off('drain', pump));
      pump();
      return;
    }
    // A response announcing 5 GB: refused on its Content-Length, before its body is read.
    if (url.pathname === '/huge-5gb') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(5 * 1024 ** 3) });
      res.write('<p>start of five gigabytes</p>');
      return;
    }
    // A sitemap bomb: an index of 10,000 sitemaps, each with 50,000 URLs (made on request).
    if (url.pathname === '/bomb-index.xml') {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.write('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">');
      for (let i = 0; i < 10_000; i++) res.write(`<sitemap><loc>/bomb-${i}.xml</loc></sitemap>`);
      return void res.end('</sitemapindex>');
    }
    if (/^\/bomb-\d+\.xml$/.test(url.pathname)) {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.write('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">');
      for (let i = 0; i < 50_000; i++)
        res.write(`<url><loc>/bombed/${url.pathname.slice(6, -4)}-${i}</loc></url>`);
      return void res.end('</urlset>');
    }
    if (url.pathname.startsWith('/bombed/')) {
      return void res.writeHead(200, { 'content-type': 'text/html' }).end(html('bombed', 'filler page'));
    }
    const page = site.pages.get(url.pathname);
    if (!page) return void res.writeHead(404).end();
    if (page.etag && req.headers['if-none-match'] === page.etag) return void res.writeHead(304).end();
    if (page.lastModified && req.headers['if-modified-since'] === page.lastModified && !page.etag) {
      return void res.writeHead(304).end();
    }
    const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8' };
    if (page.etag) headers.etag = page.etag;
    if (page.lastModified) headers['last-modified'] = page.lastModified;
    res.writeHead(200, headers).end(page.body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    });
  });
}

const LEAVE_KO = '입사 첫해 직원에게는 연차 휴가 15일이 주어진다. 연차는 팀장의 승인을 받아 사용한다.';
const EXPENSES_EN =
  'Submit expense reports within 30 days, with receipts attached, through the finance portal.';

describe('website source', () => {
  let t: TestEngine;
  let site: Site;
  let origin: string;
  let server: Server;
  let collectionId: string;
  let sourceId: string;
  const waits: number[] = [];

  beforeAll(async () => {
    t = await createTestEngine(
      { INGEST_THREADS: '0', MAX_UPLOAD_BYTES: String(256 * 1024), CONNECTOR_MAX_PAGES: '40' },
      // Waits are recorded instead of slept: the test checks Retry-After without taking its time.
      { connectorHttp: { sleep: async (ms) => void waits.push(ms), maxAttempts: 3 } },
    );
    site = {
      pages: new Map(),
      requests: [],
      robots: '',
      sitemap: null,
      throttleOnce: new Map(),
    };
    ({ server, origin } = await serve(site));
    site.robots = `User-agent: *\nDisallow: /private\n\nSitemap: ${origin}/sitemap.xml\n`;
    site.sitemap = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${origin}/guide/leave</loc></url></urlset>`;
    site.pages.set('/', {
      body: html('사내 안내 Intranet', '안내 페이지', [
        '/en/expenses',
        '/private/salaries',
        '/loop-a',
        '/huge',
        '/huge-5gb',
        'https://example.org/elsewhere',
      ]),
    });
    site.pages.set('/guide/leave', { body: html('연차 휴가 규정', LEAVE_KO), etag: '"leave-1"' });
    site.pages.set('/en/expenses', {
      body: html('Expense policy', EXPENSES_EN),
      lastModified: 'Tue, 01 Dec 2026 09:00:00 GMT',
    });
    site.pages.set('/private/salaries', { body: html('Salaries', 'confidential salary table') });
    collectionId = (await buildCollection(t, { everyone: true })).id;
    sourceId = await buildSource(t, { kind: 'website', collectionId, config: { url: `${origin}/` } });
  });
  afterAll(async () => {
    await t?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('crawls the site on its first run, honours robots.txt, and counts hostile pages as failed with why', async () => {
    site.throttleOnce.set('/en/expenses', '7');
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ state: 'idle', added: 3, deleted: 0, failed: 3, error: null });
    expect(run.failures).toEqual(
      expect.arrayContaining([
        {
          item: `${origin}/loop-a`,
          reason: `${origin}/loop-a redirects more than 5 times (a redirect loop?).`,
        },
        { item: `${origin}/huge`, reason: 'larger than 256 KB (MAX_UPLOAD_BYTES): cut off, not indexed' },
        { item: `${origin}/huge-5gb`, reason: 'larger than 256 KB (MAX_UPLOAD_BYTES): cut off, not indexed' },
      ]),
    );
    // robots.txt: the private page is never even requested; nor is the other site.
    expect(site.requests.some((r) => r.path.startsWith('/private'))).toBe(false);
    // The 429 was waited out for exactly as long as Retry-After asked.
    expect(waits).toContain(7000);
    const docs = await documentsOf(t, sourceId);
    expect(docs.map((d) => [d.title, d.source_url, d.status])).toEqual(
      expect.arrayContaining([
        ['연차 휴가 규정', `${origin}/guide/leave`, 'ready'],
        ['Expense policy', `${origin}/en/expenses`, 'ready'],
        ['사내 안내 Intranet', `${origin}/`, 'ready'],
      ]),
    );
    expect(docs).toHaveLength(3);

    const answer = await ask(t, t.admin, '입사 첫해 연차 휴가는 며칠인가요?');
    expect(answer.answered).toBe(true);
    expect(answer.answer).toContain('15일');
    expect(answer.sources[0]?.url).toBe(`${origin}/guide/leave`);
    const english = await ask(t, t.admin, 'How many days do I have to submit expense reports?');
    expect(english.sources[0]?.url).toBe(`${origin}/en/expenses`);
  });

  it('asks again with ETag and Last-Modified, and a 304 reads nothing', async () => {
    site.requests.length = 0;
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ added: 0, changed: 0, deleted: 0, unchanged: 3 });
    const leave = site.requests.find((r) => r.path === '/guide/leave');
    expect(leave?.headers['if-none-match']).toBe('"leave-1"');
    const expenses = site.requests.find((r) => r.path === '/en/expenses');
    expect(expenses?.headers['if-modified-since']).toBe('Tue, 01 Dec 2026 09:00:00 GMT');
  });

  it('follows a changed page and a deleted one', async () => {
    site.pages.set('/guide/leave', {
      body: html('연차 휴가 규정', LEAVE_KO.replace('15일', '20일')),
      etag: '"leave-2"',
    });
    site.pages.delete('/en/expenses');
    const run = await runSource(t, sourceId);
    expect(run).toMatchObject({ changed: 1, deleted: 1, added: 0 });
    const answer = await ask(t, t.admin, '입사 첫해 연차 휴가는 며칠인가요?');
    expect(answer.answer).toContain('20일');
    expect((await documentsOf(t, sourceId)).map((d) => d.source_url)).not.toContain(`${origin}/en/expenses`);
  });

  it('a sitemap bomb ends at the limits: few sitemap files read, no more pages than allowed', async () => {
    const bombSource = await buildSource(t, {
      kind: 'website',
      collectionId,
      config: { url: `${origin}/`, sitemapUrl: `${origin}/bomb-index.xml`, maxPages: 25 },
    });
    site.requests.length = 0;
    const run = await runSource(t, bombSource);
    expect(run.state).toBe('idle');
    const sitemapReads = site.requests.filter((r) => /^\/bomb-/.test(r.path)).length;
    expect(sitemapReads).toBeLessThanOrEqual(20);
    const pageReads = site.requests.filter((r) => !r.path.endsWith('.xml') && r.path !== '/robots.txt');
    expect(pageReads.length).toBeLessThanOrEqual(25);
    expect((await documentsOf(t, bombSource)).length).toBeLessThanOrEqual(25);
  });
});
