/**
 * Website source: crawls one site from a start URL and its sitemaps, same origin only, honouring
 * robots.txt, with a page limit and a depth limit. Conditional requests (ETag, Last-Modified) skip pages
 * that did not change; the links of such a page are remembered from the run that last read it.
 */
import { z } from 'zod';
import {
  AppError,
  type ChangeBatch,
  type Connector,
  type ConnectorContext,
  type FetchedItem,
  isAppError,
  sha256Hex,
} from '#core';
import {
  createHttpClient,
  formatLimit,
  type HttpClient,
  type HttpClientOptions,
  readCapped,
} from '../http-client.ts';
import { readPage } from './page-links.ts';
import { ALLOW_ALL, parseRobots, type Robots } from './robots.ts';
import { parseSitemap } from './sitemap.ts';

export const websiteConfigSchema = z.object({
  url: z
    .string()
    .trim()
    .url('must be a URL')
    .refine((value) => /^https?:\/\//i.test(value), 'must start with http:// or https://'),
  sitemapUrl: z.string().trim().url('must be a URL').optional(),
  maxPages: z.number().int().min(1).max(1_000_000).optional(),
  maxDepth: z.number().int().min(0).max(50).default(3),
});
export type WebsiteConfig = z.input<typeof websiteConfigSchema>;

export interface WebsiteLimits {
  /** Largest page or file read; a larger response is cut off there and counted as failed. */
  readonly maxBytes: number;
  /** The ceiling on `maxPages` (CONNECTOR_MAX_PAGES). */
  readonly maxPages: number;
  readonly http?: HttpClientOptions;
}

export const USER_AGENT = 'ex-GPT-connector/1 (+https://github.com/ex-gpt)';
const MAX_SITEMAP_FILES = 20;
const MAX_SITEMAP_BYTES = 10 * 1024 * 1024;
const MAX_LINKS_KEPT = 300;
/** Responses that are never documents: not worth downloading. */
const NOT_DOCUMENTS =
  /^(image|video|audio|font)\/|^text\/(css|javascript)|^application\/(javascript|json|zip)/i;

interface Fetched {
  readonly bytes: Uint8Array;
  readonly contentType: string;
  readonly title: string | null;
}

function filenameFor(url: URL, contentType: string): string {
  const last = decodeURIComponent(url.pathname.split('/').pop() ?? '') || 'index';
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const ext =
    type === 'text/html' || type === 'application/xhtml+xml'
      ? '.html'
      : type === 'application/pdf'
        ? '.pdf'
        : type === 'text/markdown'
          ? '.md'
          : type === 'text/plain'
            ? '.txt'
            : '';
  if (!ext) return last;
  return last.toLowerCase().endsWith(ext) ? last : `${last.replace(/\.html?$/i, '')}${ext}`;
}

export function createWebsiteConnector(raw: WebsiteConfig, limits: WebsiteLimits): Connector {
  const config = websiteConfigSchema.parse(raw);
  const start = new URL(config.url);
  const maxPages = Math.min(config.maxPages ?? limits.maxPages, limits.maxPages);
  const http: HttpClient = createHttpClient({ userAgent: USER_AGENT, ...limits.http });
  // Bodies read while listing, handed to fetch() for the same run so no page is downloaded twice.
  const readThisRun = new Map<string, Fetched>();

  async function loadRobots(signal: AbortSignal): Promise<Robots> {
    const response = await http.request(new URL('/robots.txt', start).href, { signal });
    if (response.status >= 400 && response.status < 500) {
      await response.body?.cancel();
      return ALLOW_ALL;
    }
    if (!response.ok) {
      await response.body?.cancel();
      // RFC 9309 §2.3.1.4: an unreachable robots.txt means the whole site is disallowed.
      throw new AppError(
        'upstream_unavailable',
        `${start.origin}/robots.txt answered HTTP ${response.status}: the site is not crawled until it answers.`,
        {
          expose: true,
        },
      );
    }
    const { bytes } = await readCapped(response, 512_000);
    return parseRobots(new TextDecoder().decode(bytes), USER_AGENT);
  }

  /** Page URLs named by the site's sitemaps, within the limits above. */
  async function sitemapUrls(robots: Robots, signal: AbortSignal): Promise<string[]> {
    const declared = config.sitemapUrl ? [config.sitemapUrl] : robots.sitemaps;
    const pending = (declared.length > 0 ? declared : [new URL('/sitemap.xml', start).href]).map((loc) => ({
      loc,
      nested: false,
    }));
    const urls: string[] = [];
    let files = 0;
    while (pending.length > 0 && files < MAX_SITEMAP_FILES && urls.length < maxPages) {
      const { loc, nested } = pending.shift()!;
      let url: URL;
      try {
        url = new URL(loc, start);
      } catch {
        continue;
      }
      if (url.origin !== start.origin) continue;
      files++;
      const response = await http.request(url.href, { signal }).catch((error: unknown) => {
        if (isAppError(error)) return null;
        throw error;
      });
      if (!response?.ok) {
        await response?.body?.cancel();
        continue;
      }
      const { bytes, truncated } = await readCapped(response, MAX_SITEMAP_BYTES);
      if (truncated) continue;
      const entries = parseSitemap(new TextDecoder().decode(bytes), maxPages - urls.length);
      if (entries.kind === 'index') {
        // An index may only name sitemaps, not further indexes (sitemaps.org): nesting stops here.
        if (!nested) pending.push(...entries.locs.map((child) => ({ loc: child, nested: true })));
      } else {
        urls.push(...entries.locs);
      }
    }
    return urls;
  }

  async function download(url: string, headers: Record<string, string>, signal: AbortSignal) {
    const response = await http.request(url, { headers, signal });
    return response;
  }

  return {
    mode: 'full',

    async test(context) {
      await loadRobots(context.signal);
      const response = await download(start.href, {}, context.signal);
      await response.body?.cancel();
      if (!response.ok)
        throw new AppError('invalid_input', `${start.href} answered HTTP ${response.status}.`);
    },

    async *listChanges(_cursor, context: ConnectorContext): AsyncIterable<ChangeBatch> {
      const { signal } = context;
      readThisRun.clear();
      const robots = await loadRobots(signal);
      const queue: { url: string; depth: number }[] = [{ url: start.href, depth: 0 }];
      for (const url of await sitemapUrls(robots, signal)) queue.push({ url, depth: 0 });
      const visited = new Set<string>();
      let pages = 0;
      while (queue.length > 0 && pages < maxPages) {
        const { url: raw, depth } = queue.shift()!;
        let url: URL;
        try {
          url = new URL(raw);
        } catch {
          continue;
        }
        url.hash = '';
        const externalId = url.href;
        if (visited.has(externalId) || url.origin !== start.origin || !robots.allows(url)) continue;
        visited.add(externalId);
        pages++;
        const follow = (links: readonly string[]) => {
          if (depth >= config.maxDepth) return;
          for (const link of links) if (!visited.has(link)) queue.push({ url: link, depth: depth + 1 });
        };
        const known = await context.known(externalId);
        const headers: Record<string, string> = {};
        const etag = typeof known?.state?.etag === 'string' ? known.state.etag : null;
        const lastModified = typeof known?.state?.lastModified === 'string' ? known.state.lastModified : null;
        if (etag) headers['if-none-match'] = etag;
        if (lastModified) headers['if-modified-since'] = lastModified;
        let response: Response;
        try {
          response = await download(externalId, headers, signal);
        } catch (error) {
          if (!isAppError(error) || externalId === start.href) throw error;
          yield { changes: [{ kind: 'failed', externalId, reason: error.message }], cursor: null };
          continue;
        }
        if (response.status === 304 && known) {
          follow(Array.isArray(known.state?.links) ? (known.state.links as string[]) : []);
          yield { changes: [{ kind: 'unchanged', externalId }], cursor: null };
          continue;
        }
        if (response.status === 404 || response.status === 410) {
          await response.body?.cancel();
          if (externalId === start.href) {
            throw new AppError('invalid_input', `${externalId} answered HTTP ${response.status}.`);
          }
          continue;
        }
        const contentType = response.headers.get('content-type') ?? 'application/octet-stream';
        if (!response.ok || NOT_DOCUMENTS.test(contentType)) {
          await response.body?.cancel();
          if (!response.ok) {
            yield {
              changes: [{ kind: 'failed', externalId, reason: `HTTP ${response.status}` }],
              cursor: null,
            };
          }
          continue;
        }
        const { bytes, truncated } = await readCapped(response, limits.maxBytes);
        if (truncated) {
          yield {
            changes: [
              {
                kind: 'failed',
                externalId,
                reason: `larger than ${formatLimit(limits.maxBytes)} (MAX_UPLOAD_BYTES): cut off, not indexed`,
              },
            ],
            cursor: null,
          };
          continue;
        }
        const isHtml = /html/i.test(contentType);
        const page = isHtml ? readPage(new TextDecoder().decode(bytes), url) : { title: null, links: [] };
        follow(page.links);
        const version = `sha256:${sha256Hex(bytes)}`;
        if (known?.version === version) {
          yield { changes: [{ kind: 'unchanged', externalId }], cursor: null };
          continue;
        }
        readThisRun.set(externalId, { bytes, contentType, title: page.title });
        const state = {
          etag: response.headers.get('etag'),
          lastModified: response.headers.get('last-modified'),
          links: page.links.slice(0, MAX_LINKS_KEPT),
        };
        yield { changes: [{ kind: 'upsert', item: { externalId, version, state } }], cursor: null };
      }
    },

    async fetch(item, context): Promise<FetchedItem | null> {
      const url = new URL(item.externalId);
      let found = readThisRun.get(item.externalId) ?? null;
      readThisRun.delete(item.externalId);
      if (!found) {
        const response = await download(url.href, {}, context.signal);
        if (response.status === 404 || response.status === 410) return null;
        if (!response.ok)
          throw new AppError('unprocessable_document', `${url.href} answered HTTP ${response.status}.`);
        const contentType = response.headers.get('content-type') ?? 'application/octet-stream';
        const { bytes, truncated } = await readCapped(response, limits.maxBytes);
        if (truncated)
          throw new AppError('unprocessable_document', `${url.href} is too large: cut off, not indexed.`);
        const title = /html/i.test(contentType) ? readPage(new TextDecoder().decode(bytes), url).title : null;
        found = { bytes, contentType, title };
      }
      const filename = filenameFor(url, found.contentType);
      return {
        bytes: found.bytes,
        filename,
        mimeType: found.contentType.split(';')[0]!.trim(),
        title:
          found.title ??
          (decodeURIComponent(url.pathname) === '/' ? url.host : decodeURIComponent(url.pathname)),
        url: url.href,
      };
    },

    async listReaders() {
      return null;
    },
  };
}
