/**
 * The two Confluence REST APIs behind one shape: Cloud REST v2 (cursor pages through `_links.next`) and
 * Server/Data Center REST v1 (`start`/`limit` pages). Read restrictions come from the v1 restriction
 * resources, which both deployments have (Cloud v2 has none).
 */
import { AppError } from '#core';
import { type HttpClient, readCapped } from '../http-client.ts';
import type { ConfluenceConfig } from './confluence-config.ts';

export interface PageMeta {
  readonly id: string;
  readonly title: string;
  readonly version: number;
  /** The parent page's id; null at the top of the space. */
  readonly parentId: string | null;
  readonly webUrl: string;
  /** The page's own read restriction when the listing carries it (v1); undefined when it must be asked for. */
  readonly restriction?: Restriction | undefined;
}

export interface PageBody {
  readonly title: string;
  readonly version: number;
  readonly storage: string;
  readonly webUrl: string;
}

export interface AttachmentMeta {
  readonly id: string;
  readonly title: string;
  readonly mediaType: string | null;
  readonly version: number;
  readonly downloadUrl: string;
  readonly webUrl: string;
}

/** One page's own read restriction; null when it has none (it then inherits its parent's). */
export type Restriction = { readonly emails: readonly string[]; readonly groups: readonly string[] } | null;

export interface ConfluenceApi {
  /** Every current page of one space (by key), all pages of the listing. */
  listPages(spaceKey: string, signal: AbortSignal): AsyncIterable<readonly PageMeta[]>;
  pageBody(pageId: string, signal: AbortSignal): Promise<PageBody | null>;
  listAttachments(pageId: string, signal: AbortSignal): Promise<AttachmentMeta[]>;
  download(url: string, maxBytes: number, signal: AbortSignal): Promise<Uint8Array | 'too-large' | null>;
  readRestriction(pageId: string, signal: AbortSignal): Promise<Restriction>;
}

const MAX_JSON_BYTES = 32 * 1024 * 1024;

type Json = Record<string, unknown>;
const obj = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.map(obj) : []);
const str = (value: unknown): string | null =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0) || 0);

export function createConfluenceApi(
  config: ConfluenceConfig,
  secret: string | null,
  http: HttpClient,
): ConfluenceApi {
  const cloud = config.deployment === 'cloud';
  // Cloud's REST lives under /wiki whether or not the admin typed it; Server's under its context path.
  const root = config.baseUrl.replace(/\/+$/, '').replace(cloud ? /\/wiki$/ : /$^/, '');
  const origin = new URL(root).origin;
  const wiki = cloud ? `${root}/wiki` : root;
  const authorization = (): string => {
    if (!secret) {
      throw new AppError(
        'invalid_input',
        cloud
          ? 'This Confluence source has no API token: enter the token of the account named in its settings.'
          : 'This Confluence source has no personal access token: enter one.',
      );
    }
    return cloud
      ? `Basic ${Buffer.from(`${config.email ?? ''}:${secret}`, 'utf8').toString('base64')}`
      : `Bearer ${secret}`;
  };

  /**
   * A link the API handed back (a next page, a download), resolved against the URL configured here rather
   * than the base Confluence believes it has (a proxy may differ), and only ever on that site.
   */
  const resolve = (link: string): string => {
    const basePath = new URL(wiki).pathname.replace(/\/+$/, '');
    const url = /^https?:\/\//i.test(link)
      ? new URL(link)
      : link.startsWith('/') && (basePath === '' || link.startsWith(`${basePath}/`))
        ? new URL(link, origin)
        : new URL(`${wiki}/${link.replace(/^\/+/, '')}`);
    if (url.origin !== origin) {
      throw new AppError('upstream_unavailable', `Confluence linked to another site (${url.origin}).`, {
        expose: true,
      });
    }
    return url.href;
  };

  /** A page's address for people: under the base Confluence names, which is what users open. */
  const resolveWeb = (webui: string | null, base: string): string => {
    const trimmed = base.replace(/\/+$/, '');
    if (!webui) return trimmed;
    return /^https?:\/\//i.test(webui) ? webui : `${trimmed}/${webui.replace(/^\/+/, '')}`;
  };

  async function getJson(url: string, signal: AbortSignal): Promise<Json | null> {
    const response = await http.request(url, {
      headers: { authorization: authorization(), accept: 'application/json' },
      signal,
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new AppError(
        'invalid_input',
        `Confluence refused the credentials (HTTP ${response.status}): check the ${cloud ? 'e-mail and API token' : 'personal access token'} and that the account can read the space.`,
        {
          localized: {
            key: cloud ? 'sources.failure.confluenceCloudRefused' : 'sources.failure.confluenceServerRefused',
            values: { status: response.status },
          },
        },
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new AppError('upstream_unavailable', `Confluence answered HTTP ${response.status}.`, {
        expose: true,
      });
    }
    const { bytes, truncated } = await readCapped(response, MAX_JSON_BYTES);
    if (truncated) {
      throw new AppError('upstream_unavailable', 'Confluence sent an answer too large to read.', {
        expose: true,
      });
    }
    try {
      return obj(JSON.parse(new TextDecoder().decode(bytes)));
    } catch {
      throw new AppError('upstream_unavailable', 'Confluence sent an answer that is not JSON.', {
        expose: true,
      });
    }
  }

  const userEmail = (user: Json): string | null => {
    const email = str(user.email);
    if (email?.includes('@')) return email;
    // Server/Data Center shows no e-mail; directories that sign in by e-mail use it as the username.
    const username = str(user.username);
    return username?.includes('@') ? username : null;
  };

  /** `{ user: { results }, group: { results } }`, the shape of both v1 restriction resources. */
  function restrictionOf(restrictions: Json): Restriction {
    const users = list(obj(restrictions.user).results);
    const groups = list(obj(restrictions.group).results);
    if (users.length === 0 && groups.length === 0) return null;
    return {
      emails: users.map(userEmail).filter((email): email is string => email !== null),
      // Cloud groups have an id; Server/Data Center groups only a name.
      groups: groups
        .map((group) => (cloud ? (str(group.id) ?? str(group.name)) : str(group.name)))
        .filter((group): group is string => group !== null),
    };
  }

  async function spaceIdOf(spaceKey: string, signal: AbortSignal): Promise<string> {
    const url = new URL(`${wiki}/api/v2/spaces`);
    url.searchParams.set('keys', spaceKey);
    const found = await getJson(url.href, signal);
    const space = list(found?.results).find((s) => str(s.key) === spaceKey);
    const id = space ? str(space.id) : null;
    if (!id) {
      throw new AppError(
        'invalid_input',
        `Confluence has no space "${spaceKey}" that this account can read.`,
      );
    }
    return id;
  }

  async function* cloudPages(spaceKey: string, signal: AbortSignal): AsyncIterable<readonly PageMeta[]> {
    const spaceId = await spaceIdOf(spaceKey, signal);
    let next: string | null =
      `${wiki}/api/v2/spaces/${encodeURIComponent(spaceId)}/pages?limit=250&status=current`;
    while (next) {
      const page = await getJson(next, signal);
      if (!page) throw new AppError('invalid_input', `Confluence has no space "${spaceKey}".`);
      const links = obj(page._links);
      const base = str(links.base) ?? wiki;
      yield list(page.results).map((item) => ({
        id: str(item.id) ?? '',
        title: str(item.title) ?? '',
        version: num(obj(item.version).number),
        parentId:
          str(item.parentType) === 'page' || str(item.parentType) === null ? str(item.parentId) : null,
        webUrl: resolveWeb(str(obj(item._links).webui), base),
      }));
      const link = str(links.next);
      next = link ? resolve(link) : null;
    }
  }

  async function* serverPages(spaceKey: string, signal: AbortSignal): AsyncIterable<readonly PageMeta[]> {
    const limit = 100;
    for (let start = 0; ; ) {
      const url = new URL(`${wiki}/rest/api/content`);
      url.searchParams.set('spaceKey', spaceKey);
      url.searchParams.set('type', 'page');
      url.searchParams.set('status', 'current');
      url.searchParams.set(
        'expand',
        'ancestors,version,restrictions.read.restrictions.user,restrictions.read.restrictions.group',
      );
      url.searchParams.set('start', String(start));
      url.searchParams.set('limit', String(limit));
      const page = await getJson(url.href, signal);
      if (!page) throw new AppError('invalid_input', `Confluence has no space "${spaceKey}".`);
      const links = obj(page._links);
      const base = str(links.base) ?? wiki;
      const results = list(page.results);
      yield results.map((item) => {
        const ancestors = list(item.ancestors);
        const restrictions = obj(obj(obj(item.restrictions).read).restrictions);
        return {
          id: str(item.id) ?? '',
          title: str(item.title) ?? '',
          version: num(obj(item.version).number),
          parentId: ancestors.length > 0 ? str(ancestors[ancestors.length - 1]!.id) : null,
          webUrl: resolveWeb(str(obj(item._links).webui), base),
          restriction: restrictionOf(restrictions),
        };
      });
      // The server says when there is more (`_links.next`); the page it returned says how far we got.
      const size = num(page.size) || results.length;
      if (!str(links.next) || size === 0) return;
      start = num(page.start) + size;
    }
  }

  return {
    listPages: (spaceKey, signal) => (cloud ? cloudPages(spaceKey, signal) : serverPages(spaceKey, signal)),

    async pageBody(pageId, signal) {
      const url = cloud
        ? `${wiki}/api/v2/pages/${encodeURIComponent(pageId)}?body-format=storage`
        : `${wiki}/rest/api/content/${encodeURIComponent(pageId)}?expand=body.storage,version`;
      const page = await getJson(url, signal);
      if (!page) return null;
      const base = str(obj(page._links).base) ?? wiki;
      return {
        title: str(page.title) ?? '',
        version: num(obj(page.version).number),
        storage: str(obj(obj(page.body).storage).value) ?? '',
        webUrl: resolveWeb(str(obj(page._links).webui), base),
      };
    },

    async listAttachments(pageId, signal) {
      const found: AttachmentMeta[] = [];
      if (cloud) {
        let next: string | null = `${wiki}/api/v2/pages/${encodeURIComponent(pageId)}/attachments?limit=250`;
        while (next) {
          const page = await getJson(next, signal);
          if (!page) return found;
          const base = str(obj(page._links).base) ?? wiki;
          for (const item of list(page.results)) {
            const download = str(item.downloadLink);
            if (!download) continue;
            found.push({
              id: str(item.id) ?? '',
              title: str(item.title) ?? '',
              mediaType: str(item.mediaType),
              version: num(obj(item.version).number),
              downloadUrl: resolve(download),
              webUrl: resolveWeb(str(item.webuiLink), base),
            });
          }
          const link = str(obj(page._links).next);
          next = link ? resolve(link) : null;
        }
        return found;
      }
      for (let start = 0; ; ) {
        const url = `${wiki}/rest/api/content/${encodeURIComponent(pageId)}/child/attachment?expand=version&start=${start}&limit=100`;
        const page = await getJson(url, signal);
        if (!page) return found;
        const base = str(obj(page._links).base) ?? wiki;
        const results = list(page.results);
        for (const item of results) {
          const download = str(obj(item._links).download);
          if (!download) continue;
          found.push({
            id: str(item.id) ?? '',
            title: str(item.title) ?? '',
            mediaType: str(obj(item.metadata).mediaType) ?? str(obj(item.extensions).mediaType),
            version: num(obj(item.version).number),
            downloadUrl: resolve(download),
            webUrl: resolveWeb(str(obj(item._links).webui), base),
          });
        }
        const size = num(page.size) || results.length;
        if (!str(obj(page._links).next) || size === 0) return found;
        start = num(page.start) + size;
      }
    },

    async download(url, maxBytes, signal) {
      const response = await http.request(url, {
        headers: { authorization: authorization() },
        followToOtherSites: true,
        signal,
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new AppError('unprocessable_document', `The attachment answered HTTP ${response.status}.`);
      }
      const { bytes, truncated } = await readCapped(response, maxBytes);
      return truncated ? 'too-large' : bytes;
    },

    async readRestriction(pageId, signal) {
      const found = await getJson(
        `${wiki}/rest/api/content/${encodeURIComponent(pageId)}/restriction/byOperation/read?expand=restrictions.user,restrictions.group`,
        signal,
      );
      return found ? restrictionOf(obj(found.restrictions)) : null;
    },
  };
}
