/** A page's title and the links it has to follow (same origin, http(s), without fragments). */
import { Parser } from 'htmlparser2';

export function readPage(html: string, base: URL): { title: string | null; links: string[] } {
  const links = new Set<string>();
  let title = '';
  let inTitle = false;
  let noFollow = false;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'title') inTitle = true;
        if (name === 'meta' && attributes.name?.toLowerCase() === 'robots') {
          noFollow ||= /nofollow|none/i.test(attributes.content ?? '');
        }
        const href = name === 'a' || name === 'area' ? attributes.href : undefined;
        if (!href || (attributes.rel ?? '').toLowerCase().includes('nofollow')) return;
        try {
          const url = new URL(href, base);
          if (url.origin !== base.origin || !/^https?:$/.test(url.protocol)) return;
          url.hash = '';
          links.add(url.href);
        } catch {
          // Not a URL: nothing to follow.
        }
      },
      ontext(text) {
        if (inTitle) title += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return { title: title.trim().replace(/\s+/g, ' ') || null, links: noFollow ? [] : [...links] };
}
