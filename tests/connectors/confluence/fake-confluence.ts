/**
 * A Confluence site on loopback, Cloud (REST v2 under /wiki) or Server/Data Center (REST v1 under a context
 * path). The recorded reference payloads in tests/fixtures/connectors/confluence are served as they are
 * where a test asks for them (`verbatim`); the rest is built from Atlassian's API references:
 * - Cloud v2 spaces, pages (cursor in `_links.next`), page by id with `body-format=storage`, attachments:
 *   https://developer.atlassian.com/cloud/confluence/rest/v2/api-group-page/ and …/api-group-attachment/
 * - v1 content with `expand=ancestors,version,restrictions.read.restrictions.*` and start/limit/size/_links.next,
 *   child/attachment, restriction/byOperation/read:
 *   https://developer.atlassian.com/server/confluence/confluence-rest-api-examples/ and
 *   https://developer.atlassian.com/cloud/confluence/rest/v1/api-group-content-restrictions/
 * An unexpected request is answered 404 and recorded, so a test can fail on it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUser {
  readonly email?: string;
  readonly username?: string;
  readonly accountId?: string;
}
export interface FakeGroup {
  readonly id: string;
  readonly name: string;
}
export interface FakeAttachment {
  readonly id: string;
  title: string;
  mediaType: string;
  version: number;
  bytes: Uint8Array;
}
export interface FakePage {
  readonly id: string;
  readonly spaceKey: string;
  title: string;
  parentId: string | null;
  version: number;
  storage: string;
  readUsers: FakeUser[];
  readGroups: FakeGroup[];
  attachments: FakeAttachment[];
}

export interface FakeConfluence {
  readonly baseUrl: string;
  readonly pages: Map<string, FakePage>;
  readonly requests: string[];
  readonly unexpected: string[];
  /** Paths (without query) answered 429 with this Retry-After, once. */
  readonly throttleOnce: Map<string, string>;
  /** Path + query → a body served as it is (a recorded payload). */
  readonly verbatim: Map<string, string>;
  /** Cloud: requests to the media host attachment downloads are redirected to, with their authorization header. */
  readonly mediaRequests: { path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

const SPACES = [
  { id: '98306', key: 'HR', name: '인사팀 Human Resources' },
  { id: '98307', key: 'ENG', name: 'Engineering' },
];
const PAGE_SIZE = 2;

export async function startFakeConfluence(options: {
  deployment: 'cloud' | 'server';
  email: string;
  token: string;
}): Promise<FakeConfluence> {
  const cloud = options.deployment === 'cloud';
  const prefix = cloud ? '/wiki' : '/confluence';
  const pages = new Map<string, FakePage>();
  const requests: string[] = [];
  const unexpected: string[] = [];
  const throttleOnce = new Map<string, string>();
  const verbatim = new Map<string, string>();
  let origin = '';
  const base = () => `${origin}${prefix}`;
  const expected = cloud
    ? `Basic ${Buffer.from(`${options.email}:${options.token}`).toString('base64')}`
    : `Bearer ${options.token}`;

  const ancestorsOf = (page: FakePage): FakePage[] => {
    const chain: FakePage[] = [];
    for (let parent = page.parentId; parent; parent = pages.get(parent)?.parentId ?? null) {
      const found = pages.get(parent);
      if (!found) break;
      chain.unshift(found);
    }
    return chain;
  };
  const userJson = (user: FakeUser) =>
    cloud
      ? {
          type: 'known',
          accountId: user.accountId ?? 'acc',
          email: user.email ?? '',
          publicName: 'x',
          displayName: 'x',
        }
      : { type: 'known', username: user.username ?? user.email ?? 'x', userKey: 'k', displayName: 'x' };
  const restrictionsJson = (page: FakePage) => ({
    user: { results: page.readUsers.map(userJson), start: 0, limit: 200, size: page.readUsers.length },
    group: {
      results: page.readGroups.map((g) =>
        cloud ? { type: 'group', name: g.name, id: g.id } : { type: 'group', name: g.name },
      ),
      start: 0,
      limit: 200,
      size: page.readGroups.length,
    },
  });
  const downloadPath = (page: FakePage, a: FakeAttachment) =>
    `/download/attachments/${page.id}/${encodeURIComponent(a.title)}?version=${a.version}&api=v2`;
  const spacePages = (key: string) => [...pages.values()].filter((p) => p.spaceKey === key);

  const mediaRequests: { path: string; authorization: string | undefined }[] = [];
  let mediaOrigin = '';
  const media: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    mediaRequests.push({ path: url.pathname, authorization: req.headers.authorization });
    const [, , pageId, attachmentId] = url.pathname.split('/');
    const attachment = pages.get(pageId ?? '')?.attachments.find((a) => a.id === attachmentId);
    if (!attachment || url.searchParams.get('token') !== 'signed') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': attachment.mediaType }).end(attachment.bytes);
  });

  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const full = `${url.pathname}${url.search}`;
    requests.push(full);
    const json = (body: unknown, status = 200) =>
      void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers.authorization !== expected) {
      return json({ statusCode: 401, message: 'Unauthorized; scope does not match' }, 401);
    }
    const throttle = throttleOnce.get(url.pathname);
    if (throttle !== undefined) {
      throttleOnce.delete(url.pathname);
      return void res.writeHead(429, { 'retry-after': throttle }).end();
    }
    const recorded = verbatim.get(full) ?? verbatim.get(url.pathname);
    if (recorded !== undefined) {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(recorded);
    }
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : null;
    let m: RegExpExecArray | null;
    if (path === null) {
      unexpected.push(full);
      return json({ message: 'not found' }, 404);
    }
    // Attachment bytes: the same path on both deployments. Cloud hands the download over to its media host
    // with a signed link (a 302 to api.media.atlassian.com); here a second loopback server plays that host.
    m = /^\/download\/attachments\/(\d+)\/([^/]+)$/.exec(path);
    if (m) {
      const page = pages.get(m[1]!);
      const attachment = page?.attachments.find((a) => a.title === decodeURIComponent(m![2]!));
      if (!attachment) return json({ message: 'gone' }, 404);
      if (cloud) {
        return void res
          .writeHead(302, {
            location: `${mediaOrigin}/file/${page!.id}/${attachment.id}/binary?token=signed&client=x`,
          })
          .end();
      }
      return void res.writeHead(200, { 'content-type': attachment.mediaType }).end(attachment.bytes);
    }
    m = /^\/rest\/api\/content\/(\d+)\/restriction\/byOperation\/read$/.exec(path);
    if (m) {
      const page = pages.get(m[1]!);
      if (!page) return json({ message: 'No content found' }, 404);
      return json({ operation: 'read', restrictions: restrictionsJson(page), _links: { base: base() } });
    }
    if (cloud) {
      if (path === '/api/v2/spaces') {
        const keys = (url.searchParams.get('keys') ?? '').split(',');
        return json({
          results: SPACES.filter((s) => keys.includes(s.key)).map((s) => ({
            ...s,
            type: 'global',
            status: 'current',
          })),
          _links: { base: base() },
        });
      }
      m = /^\/api\/v2\/spaces\/(\d+)\/pages$/.exec(path);
      if (m) {
        const space = SPACES.find((s) => s.id === m![1]);
        if (!space) return json({ message: 'not found' }, 404);
        const all = spacePages(space.key);
        const offset = Number(url.searchParams.get('cursor') ?? '0');
        const slice = all.slice(offset, offset + PAGE_SIZE);
        const more = offset + PAGE_SIZE < all.length;
        return json({
          results: slice.map((p) => ({
            id: p.id,
            status: 'current',
            title: p.title,
            spaceId: space.id,
            parentId: p.parentId ?? undefined,
            parentType: p.parentId ? 'page' : undefined,
            version: { number: p.version, createdAt: '2026-11-01T00:00:00.000Z' },
            _links: { webui: `/spaces/${space.key}/pages/${p.id}/${encodeURIComponent(p.title)}` },
          })),
          _links: {
            base: base(),
            ...(more
              ? {
                  next: `${prefix}/api/v2/spaces/${space.id}/pages?limit=250&status=current&cursor=${offset + PAGE_SIZE}`,
                }
              : {}),
          },
        });
      }
      m = /^\/api\/v2\/pages\/(\d+)$/.exec(path);
      if (m) {
        const p = pages.get(m[1]!);
        if (!p || url.searchParams.get('body-format') !== 'storage')
          return json({ message: 'not found' }, 404);
        return json({
          id: p.id,
          title: p.title,
          version: { number: p.version },
          body: { storage: { value: p.storage, representation: 'storage' } },
          _links: {
            webui: `/spaces/${p.spaceKey}/pages/${p.id}/${encodeURIComponent(p.title)}`,
            base: base(),
          },
        });
      }
      m = /^\/api\/v2\/pages\/(\d+)\/attachments$/.exec(path);
      if (m) {
        const p = pages.get(m[1]!);
        if (!p) return json({ message: 'not found' }, 404);
        return json({
          results: p.attachments.map((a) => ({
            id: a.id,
            status: 'current',
            title: a.title,
            mediaType: a.mediaType,
            fileSize: a.bytes.byteLength,
            pageId: p.id,
            version: { number: a.version },
            webuiLink: `/pages/viewpageattachments.action?pageId=${p.id}&preview=${encodeURIComponent(a.title)}`,
            downloadLink: downloadPath(p, a),
          })),
          _links: { base: base() },
        });
      }
    } else {
      if (path === '/rest/api/content') {
        const key = url.searchParams.get('spaceKey') ?? '';
        const start = Number(url.searchParams.get('start') ?? '0');
        const limit = Math.min(PAGE_SIZE, Number(url.searchParams.get('limit') ?? '25'));
        const all = spacePages(key);
        const slice = all.slice(start, start + limit);
        const more = start + limit < all.length;
        return json({
          results: slice.map((p) => ({
            id: p.id,
            type: 'page',
            status: 'current',
            title: p.title,
            ancestors: ancestorsOf(p).map((a) => ({
              id: a.id,
              type: 'page',
              status: 'current',
              title: a.title,
            })),
            version: { number: p.version },
            restrictions: { read: { operation: 'read', restrictions: restrictionsJson(p) } },
            _links: {
              webui: `/display/${key}/${encodeURIComponent(p.title).replace(/%20/g, '+')}`,
              self: `${base()}/rest/api/content/${p.id}`,
            },
          })),
          start,
          limit,
          size: slice.length,
          _links: {
            base: base(),
            context: prefix,
            self: `${base()}/rest/api/content`,
            ...(more
              ? { next: `/rest/api/content?spaceKey=${key}&start=${start + limit}&limit=${limit}` }
              : {}),
          },
        });
      }
      m = /^\/rest\/api\/content\/(\d+)$/.exec(path);
      if (m) {
        const p = pages.get(m[1]!);
        if (!p)
          return json({ statusCode: 404, message: `No content found with id: ContentId{id=${m[1]}}` }, 404);
        return json({
          id: p.id,
          type: 'page',
          title: p.title,
          version: { number: p.version },
          body: { storage: { value: p.storage, representation: 'storage' } },
          _links: {
            webui: `/display/${p.spaceKey}/${encodeURIComponent(p.title).replace(/%20/g, '+')}`,
            base: base(),
            context: prefix,
          },
        });
      }
      m = /^\/rest\/api\/content\/(\d+)\/child\/attachment$/.exec(path);
      if (m) {
        const p = pages.get(m[1]!);
        if (!p) return json({ message: 'not found' }, 404);
        return json({
          results: p.attachments.map((a) => ({
            id: a.id,
            type: 'attachment',
            title: a.title,
            metadata: { mediaType: a.mediaType },
            extensions: { mediaType: a.mediaType, fileSize: a.bytes.byteLength },
            version: { number: a.version },
            _links: {
              webui: `/pages/viewpageattachments.action?pageId=${p.id}`,
              download: downloadPath(p, a),
            },
          })),
          start: 0,
          limit: 100,
          size: p.attachments.length,
          _links: { base: base(), context: prefix },
        });
      }
    }
    unexpected.push(full);
    json({ message: 'not found' }, 404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
  mediaOrigin = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
  return {
    baseUrl: cloud ? origin : `${origin}${prefix}`,
    pages,
    requests,
    unexpected,
    throttleOnce,
    verbatim,
    mediaRequests,
    close: async () => {
      await new Promise<void>((resolve) => media.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
