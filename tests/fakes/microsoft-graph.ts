/**
 * A local stand-in for Microsoft Graph (v1.0 drives, delta, permissions, content) and the Microsoft identity
 * platform's token endpoint, on 127.0.0.1 and a random port, plus a second server playing SharePoint's
 * pre-authenticated download host (another origin, as in production).
 *
 * Served as recorded, byte for byte, from tests/fixtures/connectors/microsoft-graph/: the token response, the
 * token error, the site's drives list, and an item's permissions. Built from the Graph v1.0 reference
 * (https://learn.microsoft.com/graph/api/driveitem-delta, /resources/driveitem, /api/site-getbypath,
 * /api/driveitem-get-content, /api/user-get, /resources/permission) where the docs' examples are truncated or
 * missing: delta pages with full item metadata, a site, a user, 302 downloads, the 410 resync and 401 errors.
 * Every request is recorded; one the fake does not serve is recorded as unexpected (a test expects none).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/connectors/microsoft-graph');
export const graphFixture = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));

/** The drive ids of site-drives-list.onedrive-docs.json, served as they are. */
export const SHARED_DOCUMENTS = '942CAEB0-13AE-491B-85E4-7557CDC0F25F';
export const PROJECT_FILES = 'C1CD3ED9-0E98-4B0B-82D3-C8FB784B9DCC';
/** The OneDrive of drives-list.graph-docs.json (Megan Bowen's), what GET /users/{upn}/drive answers for her. */
const ONEDRIVE = (
  JSON.parse(graphFixture('drives-list.graph-docs.json').toString()) as {
    value: { id: string; owner: { user: { email: string } } }[];
  }
).value[0]!;
export const ONEDRIVE_ID = ONEDRIVE.id;
export const ONEDRIVE_OWNER = ONEDRIVE.owner.user.email;
/** The access token of oauth2-v2-token-client-credentials.json. */
const ACCESS_TOKEN = (
  JSON.parse(graphFixture('oauth2-v2-token-client-credentials.json').toString()) as {
    access_token: string;
  }
).access_token;

export interface FakeGraphFile {
  readonly driveId: string;
  readonly id: string;
  name: string;
  /** Folder path below the drive root, '' for the root. */
  folder: string;
  text: string;
  /** A permission collection body (`{ value: [...] }`) as Graph returns it, or a recorded fixture's bytes. */
  permissions: Buffer | { value: readonly Record<string, unknown>[] };
  /** Whether delta items carry @microsoft.graph.downloadUrl (else only /content's 302 leads to the bytes). */
  downloadUrl?: boolean;
}

export interface GraphRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | null;
  /** The Prefer header (delta options). */
  readonly prefer?: string | undefined;
  readonly host: 'graph' | 'login' | 'download';
}

export interface FakeGraph {
  /** MICROSOFT_GRAPH_URL: http://127.0.0.1:port/v1.0 */
  readonly apiUrl: string;
  /** MICROSOFT_LOGIN_URL */
  readonly loginUrl: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly siteUrl: string;
  readonly requests: GraphRequest[];
  readonly unexpected: GraphRequest[];
  /** Users /users/{id} knows, by id → mail. */
  readonly users: Map<string, string>;
  put(file: FakeGraphFile): void;
  remove(driveId: string, id: string): void;
  /** Drops an item without a trace in the change log (what a restore or a lost token hides from delta). */
  vanish(driveId: string, id: string): void;
  /** Every token issued so far stops working: Graph answers 401 until a new one is asked for. */
  expireTokens(): void;
  /** Delta tokens issued so far answer 410 resyncRequired. */
  forgetDeltaTokens(): void;
  /** The next `count` Graph requests answer 429 with `Retry-After: seconds`. */
  throttle(count: number, seconds: number): void;
  /** The next delta request is answered with these bytes as they are (a recorded page). */
  serveNextDelta(body: Buffer): void;
  /** Called for each Graph request before it is answered (e.g. to abort a run mid-sync). */
  onRequest: ((request: GraphRequest) => void) | null;
  webUrlOf(file: Pick<FakeGraphFile, 'name' | 'folder' | 'driveId'>): string;
  close(): Promise<void>;
}

interface Entry {
  file: FakeGraphFile | null;
  /** The change sequence that last touched it. */
  seq: number;
  version: number;
  deletedName: string;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const part of request) body += part;
  return body;
}

/** `pageSize`: items per delta page (Graph's own pages hold about 200; 2 makes paging visible in tests). */
export async function startFakeGraph(options: { pageSize?: number } = {}): Promise<FakeGraph> {
  const PAGE_SIZE = options.pageSize ?? 2;
  const tenantId = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
  const clientId = '535fb089-9ff3-47b6-9bfb-4f1264799865';
  const clientSecret = 'sampleCredentia1s';
  const siteHost = 'contoso.sharepoint.com';
  const siteId = `${siteHost},da60e844-ba1d-49bc-b4d4-d5e36bae9019,712a596e-90a1-49e3-9b48-bfa80bee8740`;
  const requests: GraphRequest[] = [];
  const unexpected: GraphRequest[] = [];
  const users = new Map<string, string>();
  const drives = new Map<string, Map<string, Entry>>([
    [SHARED_DOCUMENTS, new Map()],
    [PROJECT_FILES, new Map()],
    [ONEDRIVE_ID, new Map()],
  ]);
  let seq = 0;
  let tokenValid = false;
  let deltaEpoch = 0;
  let throttled = { count: 0, seconds: 0 };
  let recorded: Buffer | null = null;
  const downloads = new Map<string, { driveId: string; id: string; version: number }>();

  const driveName = (driveId: string) =>
    driveId === SHARED_DOCUMENTS ? 'Shared Documents' : 'Contoso Project Files';
  const webUrlOf = (file: Pick<FakeGraphFile, 'name' | 'folder' | 'driveId'>) =>
    file.driveId === ONEDRIVE_ID
      ? encodeURI(
          `${(ONEDRIVE as { webUrl?: string }).webUrl}/${file.folder ? `${file.folder}/` : ''}${file.name}`,
        )
      : encodeURI(
          `https://${siteHost}/sites/HR/${driveName(file.driveId)}/${file.folder ? `${file.folder}/` : ''}${file.name}`,
        );

  let graphBase = '';
  let downloadBase = '';

  const json = (
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(Buffer.isBuffer(body) ? body : JSON.stringify(body));
  };
  const graphError = (
    response: ServerResponse,
    status: number,
    code: string,
    message: string,
    headers = {},
  ) => json(response, status, { error: { code, message } }, headers);

  /** driveItem per the reference: id, name, eTag/cTag as SharePoint writes them, size, webUrl, file, parentReference. */
  function driveItem(driveId: string, entry: Entry, id: string): Record<string, unknown> {
    const file = entry.file;
    if (!file)
      return { id, name: entry.deletedName, deleted: { state: 'deleted' }, parentReference: { driveId } };
    const guid = `${id.padEnd(8, '0').slice(0, 8).toUpperCase()}-0000-4000-8000-000000000000`;
    const bytes = Buffer.byteLength(file.text);
    const item: Record<string, unknown> = {
      id,
      name: file.name,
      eTag: `"{${guid}},${entry.version}"`,
      cTag: `"c:{${guid}},${entry.version}"`,
      size: bytes,
      lastModifiedDateTime: new Date(Date.UTC(2026, 0, 1) + entry.seq * 1000).toISOString(),
      webUrl: webUrlOf(file),
      parentReference: {
        driveId,
        driveType: 'documentLibrary',
        path: `/drives/${driveId}/root:/${file.folder}`,
      },
      file: { mimeType: 'text/markdown', hashes: {} },
    };
    if (file.downloadUrl !== false) {
      const key = `${id}-${entry.version}-${Math.random().toString(36).slice(2)}`;
      downloads.set(key, { driveId, id, version: entry.version });
      item['@microsoft.graph.downloadUrl'] =
        `${downloadBase}/_layouts/15/download.aspx?UniqueId=${key}&tempauth=v1.e30`;
    }
    return item;
  }

  function folderItems(driveId: string): Record<string, unknown>[] {
    const names = new Set<string>();
    for (const entry of drives.get(driveId)!.values()) if (entry.file?.folder) names.add(entry.file.folder);
    return [
      { id: `${driveId}-root`, name: 'root', root: {}, folder: { childCount: 0 } },
      ...[...names].map((name) => ({
        id: `folder-${name}`,
        name,
        folder: { childCount: 1 },
        webUrl: webUrlOf({ driveId, folder: '', name }),
      })),
    ];
  }

  /** One delta page: a fresh enumeration lists everything; a token lists what changed after it. */
  function deltaPage(driveId: string, since: number | null, offset: number, response: ServerResponse) {
    const entries = [...drives.get(driveId)!.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    const all =
      since === null
        ? [
            ...folderItems(driveId),
            ...entries.filter(([, e]) => e.file).map(([id, e]) => driveItem(driveId, e, id)),
          ]
        : entries.filter(([, e]) => e.seq > since).map(([id, e]) => driveItem(driveId, e, id));
    const page = all.slice(offset, offset + PAGE_SIZE);
    const base = `${graphBase}/v1.0/drives/${driveId}/root/delta`;
    const sinceKey = since === null ? 'start' : String(since);
    const more = offset + PAGE_SIZE < all.length;
    json(response, 200, {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Collection(driveItem)',
      value: page,
      ...(more
        ? { '@odata.nextLink': `${base}?$skiptoken=${deltaEpoch}.${sinceKey}.${offset + PAGE_SIZE}.${seq}` }
        : { '@odata.deltaLink': `${base}?token=${deltaEpoch}.${seq}` }),
    });
  }

  function handleGraph(request: IncomingMessage, response: ServerResponse, record: GraphRequest) {
    const url = new URL(request.url ?? '/', graphBase);
    if (record.authorization !== `Bearer ${ACCESS_TOKEN}` || !tokenValid) {
      // https://learn.microsoft.com/graph/errors: 401 InvalidAuthenticationToken.
      return graphError(
        response,
        401,
        'InvalidAuthenticationToken',
        'Access token has expired or is not yet valid.',
      );
    }
    if (throttled.count > 0) {
      throttled.count--;
      return graphError(response, 429, 'activityLimitReached', 'The request has been throttled', {
        'retry-after': String(throttled.seconds),
      });
    }
    const p = decodeURIComponent(url.pathname);
    const delta = p.match(/^\/v1\.0\/drives\/([^/]+)\/root\/delta$/);
    const root = p.match(/^\/v1\.0\/drives\/([^/]+)\/root$/);
    const item = p.match(/^\/v1\.0\/drives\/([^/]+)\/items\/([^/]+)(\/permissions|\/content)?$/);
    const user = p.match(/^\/v1\.0\/users\/([^/]+)$/);
    const userDrive = p.match(/^\/v1\.0\/users\/([^/]+)\/drive$/);
    if (userDrive) {
      // GET /users/{idOrUserPrincipalName}/drive: the drive resource, as listed in drives-list.graph-docs.json.
      if (userDrive[1]!.toLowerCase() !== ONEDRIVE_OWNER.toLowerCase()) {
        return graphError(response, 404, 'itemNotFound', 'The resource could not be found.');
      }
      return json(response, 200, ONEDRIVE);
    }
    if (p === `/v1.0/sites/${siteHost}:/sites/HR:` || p === `/v1.0/sites/${siteId}`) {
      return json(response, 200, {
        id: siteId,
        name: 'HR',
        displayName: '인사팀 HR',
        webUrl: `https://${siteHost}/sites/HR`,
      });
    }
    if (p === `/v1.0/sites/${siteId}/drives`) {
      return json(response, 200, graphFixture('site-drives-list.onedrive-docs.json'));
    }
    if (delta && drives.has(delta[1]!)) {
      const m = delta;
      const driveId = m[1]!;
      if (recorded) {
        const body = recorded;
        recorded = null;
        return json(response, 200, body);
      }
      const token = url.searchParams.get('token');
      const skip = url.searchParams.get('$skiptoken');
      const freshLink = `${graphBase}/v1.0/drives/${driveId}/root/delta`;
      const stale = (epoch: string | undefined) => Number(epoch) !== deltaEpoch;
      if (token !== null) {
        const [epoch, since] = token.split('.');
        // driveitem-delta "Error responses": 410 Gone with a Location header to start over.
        if (stale(epoch)) {
          return graphError(
            response,
            410,
            'resyncRequired',
            "Resync required. Replace any local items with the server's version (including deletes) if you're sure that the service was up to date with your local changes when you last synced.",
            { location: freshLink },
          );
        }
        return deltaPage(driveId, Number(since), 0, response);
      }
      if (skip !== null) {
        const [epoch, since, offset] = skip.split('.');
        if (stale(epoch))
          return graphError(response, 410, 'resyncRequired', 'Resync required.', { location: freshLink });
        return deltaPage(driveId, since === 'start' ? null : Number(since), Number(offset), response);
      }
      return deltaPage(driveId, null, 0, response);
    }
    if (root && drives.has(root[1]!)) {
      const m = root;
      return json(response, 200, { id: `${m[1]}-root`, name: 'root', root: {}, folder: { childCount: 1 } });
    }
    if (item) {
      const m = item;
      const entry = drives.get(m[1]!)?.get(m[2]!);
      if (!entry?.file) return graphError(response, 404, 'itemNotFound', 'The resource could not be found.');
      if (m[3] === '/permissions') return json(response, 200, entry.file.permissions);
      if (m[3] === '/content') {
        const key = `${m[2]}-${entry.version}-content`;
        downloads.set(key, { driveId: m[1]!, id: m[2]!, version: entry.version });
        response.writeHead(302, {
          location: `${downloadBase}/_layouts/15/download.aspx?UniqueId=${key}&tempauth=v1.e30`,
        });
        return response.end();
      }
      return json(response, 200, driveItem(m[1]!, entry, m[2]!));
    }
    if (user) {
      const m = user;
      const mail = users.get(m[1]!);
      if (!mail)
        return graphError(response, 404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist.`);
      return json(response, 200, { mail, userPrincipalName: mail });
    }
    unexpected.push(record);
    return graphError(response, 400, 'invalidRequest', 'Not served by the fake.');
  }

  const graph = createServer((request, response) => {
    void (async () => {
      const url = request.url ?? '/';
      const isLogin = url.startsWith(`/${tenantId}/oauth2/`) || url.includes('/oauth2/v2.0/token');
      const record: GraphRequest = {
        method: request.method ?? 'GET',
        url,
        authorization: request.headers.authorization ?? null,
        prefer: request.headers.prefer?.toString(),
        host: isLogin ? 'login' : 'graph',
      };
      requests.push(record);
      const body = await readBody(request);
      fake.onRequest?.(record);
      if (isLogin) {
        const form = new URLSearchParams(body);
        if (
          request.method !== 'POST' ||
          url !== `/${tenantId}/oauth2/v2.0/token` ||
          form.get('grant_type') !== 'client_credentials'
        ) {
          unexpected.push(record);
          return json(response, 400, { error: 'invalid_request' });
        }
        // Entra answers a wrong secret with invalid_client; the recorded error body we have is invalid_scope,
        // and it is served as it is: what matters is that its reason reaches the admin.
        if (
          form.get('client_id') !== clientId ||
          form.get('client_secret') !== clientSecret ||
          form.get('scope') !== `${graphBase}/.default`
        ) {
          return json(response, 400, graphFixture('oauth2-v2-token-error-invalid_scope.json'));
        }
        tokenValid = true;
        return json(response, 200, graphFixture('oauth2-v2-token-client-credentials.json'));
      }
      handleGraph(request, response, record);
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });

  const download = createServer((request, response) => {
    const url = new URL(request.url ?? '/', downloadBase);
    const record: GraphRequest = {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      authorization: request.headers.authorization ?? null,
      host: 'download',
    };
    requests.push(record);
    const found = downloads.get(url.searchParams.get('UniqueId') ?? '');
    const entry = found ? drives.get(found.driveId)?.get(found.id) : undefined;
    if (!found || !entry?.file || entry.version !== found.version) {
      response.writeHead(404);
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    response.end(entry.file.text);
  });

  graphBase = await listen(graph);
  downloadBase = await listen(download);

  const fake: FakeGraph = {
    apiUrl: `${graphBase}/v1.0`,
    loginUrl: graphBase,
    tenantId,
    clientId,
    clientSecret,
    siteUrl: `https://${siteHost}/sites/HR`,
    requests,
    unexpected,
    users,
    onRequest: null,
    webUrlOf,
    put(file) {
      const items = drives.get(file.driveId)!;
      const previous = items.get(file.id);
      items.set(file.id, {
        file: { ...file },
        seq: ++seq,
        version: (previous?.version ?? 0) + 1,
        deletedName: file.name,
      });
    },
    remove(driveId, id) {
      const entry = drives.get(driveId)!.get(id);
      if (entry)
        drives
          .get(driveId)!
          .set(id, { file: null, seq: ++seq, version: entry.version + 1, deletedName: entry.deletedName });
    },
    vanish(driveId, id) {
      drives.get(driveId)!.delete(id);
    },
    expireTokens() {
      tokenValid = false;
    },
    forgetDeltaTokens() {
      deltaEpoch++;
    },
    serveNextDelta(body) {
      recorded = body;
    },
    throttle(count, seconds) {
      throttled = { count, seconds };
    },
    async close() {
      graph.closeAllConnections();
      download.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => graph.close(resolve)),
        new Promise((resolve) => download.close(resolve)),
      ]);
    },
  };
  return fake;
}
