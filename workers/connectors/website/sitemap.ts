/**
 * Sitemaps (sitemaps.org): a urlset's <loc>s, or an index's child sitemaps. Read with limits, because a
 * sitemap bomb (an index of indexes of huge files) costs its reader whatever it does not bound: at most
 * `maxSitemaps` files, index nesting of one level as the protocol allows, `maxUrls` URLs in all.
 */
import { Parser } from 'htmlparser2';

export interface SitemapEntries {
  readonly kind: 'urlset' | 'index';
  readonly locs: readonly string[];
}

export function parseSitemap(xml: string, maxLocs: number): SitemapEntries {
  let kind: 'urlset' | 'index' = 'urlset';
  const locs: string[] = [];
  let inLoc = false;
  let text = '';
  const parser = new Parser(
    {
      onopentag(name) {
        const local = name.toLowerCase().replace(/^.*:/, '');
        if (local === 'sitemapindex') kind = 'index';
        if (local === 'loc') {
          inLoc = true;
          text = '';
        }
      },
      ontext(chunk) {
        if (inLoc) text += chunk;
      },
      onclosetag(name) {
        if (name.toLowerCase().replace(/^.*:/, '') !== 'loc') return;
        inLoc = false;
        if (locs.length < maxLocs && text.trim()) locs.push(text.trim());
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml);
  parser.end();
  return { kind, locs };
}
