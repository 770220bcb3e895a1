/**
 * Google's token endpoint and Drive API v3 on loopback. Recorded payloads served as they are:
 * `changes-getStartPageToken.chromium-v2.json` (the same shape in v3) for the first start token, and, where a
 * test sets `verbatim`, any other file. Google publishes no verbatim v3 examples (see the fixtures README),
 * so the rest is built from the v3 reference (https://developers.google.com/workspace/drive/api/reference/rest/v3):
 * files.list (`files[]`, `nextPageToken`), changes.list (`changes[]` with `changeType`, `removed`, `fileId`,
 * `file`; `nextPageToken` or `newStartPageToken`), files.export, files.get?alt=media, permissions.list. The token
 * endpoint checks the RS256 JWT against the service account's public key and answers with Google's published
 * example body, given the comma it lacks (see token()).
 */
import { generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePermission {
  readonly type: 'user' | 'group' | 'domain' | 'anyone';
  readonly role: string;
  readonly emailAddress?: string;
  readonly domain?: string;
}
export interface FakeDriveFile {
  readonly id: string;
  name: string;
  mimeType: string;
  version: number;
  trashed: boolean;
  /** Bytes as downloaded, or for a Google file as exported (whatever format is asked for). */
  content: Uint8Array;
  permissions: FakePermission[];
  /** Export refused as Drive does for files over 10 MB (error shape from Drive's "Resolve errors" guide). */
  tooLargeToExport?: boolean;
}

export interface FakeGoogleDrive {
  readonly apiUrl: string;
  /** The service account's JSON key file, as an admin pastes it. */
  readonly keyFile: string;
  readonly files: Map<string, FakeDriveFile>;
  readonly requests: string[];
  readonly unexpected: string[];
  readonly throttleOnce: Map<string, string>;
  readonly verbatim: Map<string, string>;
  /** `path#pageToken` answered 500 once (a server that fails mid-listing). */
  readonly failOnce: Set<string>;
  tokensIssued(): number;
  /** Every token issued so far stops working, as an hour later. */
  expireTokens(): void;
  /**
   * Every change token handed out so far is refused from now on, with 400 "Invalid Value" on the pageToken
   * parameter (Google's JSON error shape, Drive's "Resolve errors" guide) or 404; new tokens work.
   */
  refuseChangeTokens(status: 400 | 404): void;
  /** Records a change to the file (as Drive's change log does) after mutating it. */
  touch(fileId: string, removed?: boolean): void;
  close(): Promise<void>;
}

const FIXTURES = new URL('../../fixtures/connectors/google-drive/', import.meta.url);
export const fixtureText = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
export const DRIVE_ID = '0AHRsharedDriveIdUk9PVA';
const PAGE_SIZE = 2;
const FIRST_TOKEN = 15734;

export async function startFakeGoogleDrive(): Promise<FakeGoogleDrive> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const files = new Map<string, FakeDriveFile>();
  const requests: string[] = [];
  const unexpected: string[] = [];
  const throttleOnce = new Map<string, string>();
  const verbatim = new Map<string, string>();
  const failOnce = new Set<string>();
  const log: { fileId: string; removed: boolean }[] = [];
  const valid = new Set<string>();
  let issued = 0;
  // Tokens are FIRST_TOKEN + shift + a position in the log; refusing old ones moves new ones past them.
  let shift = 0;
  let refused: { upTo: number; status: 400 | 404 } | null = null;
  let origin = '';
  const clientEmail = 'exgpt-sync@contoso-hr.iam.gserviceaccount.com';

  /** Google's published example (not valid JSON: no comma after "scope"), with the comma put back. */
  const token = (value: string) =>
    fixtureText('oauth2-token-service-account-jwt.docs-verbatim.txt')
      .replace(
        '"https://www.googleapis.com/auth/prediction"\n',
        '"https://www.googleapis.com/auth/prediction",\n',
      )
      .replace('1/8xbJqaOZXSUZbHLl5EOtu1pxz3fmmetKx9W8CV4t79M', value);

  const fileJson = (f: FakeDriveFile) => ({
    kind: 'drive#file',
    id: f.id,
    name: f.name,
    mimeType: f.mimeType,
    version: String(f.version),
    modifiedTime: new Date(Date.UTC(2026, 10, 1) + f.version * 60_000).toISOString(),
    trashed: f.trashed,
    driveId: DRIVE_ID,
    webViewLink: f.mimeType.startsWith('application/vnd.google-apps.')
      ? `https://docs.google.com/${f.mimeType.split('.').pop()}/d/${f.id}/edit?usp=drivesdk`
      : `https://drive.google.com/file/d/${f.id}/view?usp=drivesdk`,
  });

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => parts.push(part));
      req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    });

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const full = `${url.pathname}${url.search}`;
    requests.push(`${req.method} ${full}`);
    const json = (body: unknown, status = 200) =>
      void res
        .writeHead(status, { 'content-type': 'application/json; charset=UTF-8' })
        .end(JSON.stringify(body));
    const raw = (body: string, status = 200) =>
      void res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(body);
    if (throttleOnce.has(url.pathname)) {
      const after = throttleOnce.get(url.pathname)!;
      throttleOnce.delete(url.pathname);
      return void res.writeHead(429, { 'retry-after': after }).end();
    }
    const failKey = `${url.pathname}#${url.searchParams.get('pageToken') ?? ''}`;
    if (failOnce.has(failKey)) {
      failOnce.delete(failKey);
      return json({ error: { code: 500, message: 'Internal Error' } }, 500);
    }
    const recorded = verbatim.get(url.pathname);
    if (recorded !== undefined) return raw(recorded);

    if (req.method === 'POST' && url.pathname === '/token') {
      const form = new URLSearchParams(await readBody(req));
      const [header, claims, signature] = (form.get('assertion') ?? '').split('.');
      const payload = JSON.parse(Buffer.from(claims ?? '', 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const signed = verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${claims}`),
        publicKey,
        Buffer.from(signature ?? '', 'base64url'),
      );
      const now = Date.now() / 1000;
      if (
        form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' ||
        !signed ||
        payload.iss !== clientEmail ||
        payload.aud !== `${origin}/token` ||
        payload.scope !== 'https://www.googleapis.com/auth/drive.readonly' ||
        Number(payload.exp) < now
      ) {
        return json({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }, 400);
      }
      issued++;
      const value = `ya29.fake-${issued}`;
      valid.add(value);
      return raw(token(value));
    }

    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!valid.has(bearer)) {
      return json(
        {
          error: {
            code: 401,
            message: 'Request had invalid authentication credentials.',
            status: 'UNAUTHENTICATED',
          },
        },
        401,
      );
    }
    const shared = url.searchParams.get('supportsAllDrives') === 'true';
    if (url.pathname === '/drive/v3/changes/startPageToken' && shared) {
      if (log.length === 0) return raw(fixtureText('changes-getStartPageToken.chromium-v2.json'));
      return json({
        kind: 'drive#startPageToken',
        startPageToken: String(FIRST_TOKEN + shift + log.length),
      });
    }
    const listing =
      shared &&
      url.searchParams.get('includeItemsFromAllDrives') === 'true' &&
      url.searchParams.get('driveId') === DRIVE_ID;
    if (url.pathname === '/drive/v3/files' && listing && url.searchParams.get('corpora') === 'drive') {
      const live = [...files.values()].filter((f) => !f.trashed);
      const offset = Number(url.searchParams.get('pageToken') ?? '0');
      const more = offset + PAGE_SIZE < live.length;
      return json({
        kind: 'drive#fileList',
        incompleteSearch: false,
        files: live.slice(offset, offset + PAGE_SIZE).map(fileJson),
        ...(more ? { nextPageToken: String(offset + PAGE_SIZE) } : {}),
      });
    }
    if (url.pathname === '/drive/v3/changes' && listing) {
      const asked = Number(url.searchParams.get('pageToken'));
      if (refused && asked <= refused.upTo) {
        const error =
          refused.status === 400
            ? {
                code: 400,
                message: 'Invalid Value',
                errors: [
                  {
                    message: 'Invalid Value',
                    domain: 'global',
                    reason: 'invalid',
                    location: 'pageToken',
                    locationType: 'parameter',
                  },
                ],
              }
            : {
                code: 404,
                message: 'Not Found',
                errors: [{ domain: 'global', reason: 'notFound', message: 'Not Found' }],
              };
        return json({ error }, refused.status);
      }
      const from = asked - FIRST_TOKEN - shift;
      const page = log.slice(from, from + PAGE_SIZE);
      const next = from + page.length;
      return json({
        kind: 'drive#changeList',
        ...(next < log.length
          ? { nextPageToken: String(FIRST_TOKEN + shift + next) }
          : { newStartPageToken: String(FIRST_TOKEN + shift + log.length) }),
        changes: page.map((entry) => {
          const file = files.get(entry.fileId);
          return {
            kind: 'drive#change',
            changeType: 'file',
            time: '2026-11-02T00:00:00.000Z',
            removed: entry.removed,
            fileId: entry.fileId,
            ...(entry.removed || !file ? {} : { file: fileJson(file) }),
          };
        }),
      });
    }
    let m = /^\/drive\/v3\/files\/([^/]+)\/export$/.exec(url.pathname);
    if (m) {
      const f = files.get(m[1]!);
      if (!f?.mimeType.startsWith('application/vnd.google-apps.')) return json({ error: { code: 404 } }, 404);
      if (f.tooLargeToExport) {
        const message = 'This file is too large to be exported.';
        return json(
          {
            error: {
              errors: [{ domain: 'global', reason: 'exportSizeLimitExceeded', message }],
              code: 403,
              message,
            },
          },
          403,
        );
      }
      return void res
        .writeHead(200, { 'content-type': url.searchParams.get('mimeType') ?? '' })
        .end(f.content);
    }
    m = /^\/drive\/v3\/files\/([^/]+)\/permissions$/.exec(url.pathname);
    if (m && shared) {
      const f = files.get(m[1]!);
      if (!f) return json({ error: { code: 404 } }, 404);
      return json({
        kind: 'drive#permissionList',
        permissions: f.permissions.map((p, i) => ({ kind: 'drive#permission', id: `perm${i}`, ...p })),
      });
    }
    m = /^\/drive\/v3\/files\/([^/]+)$/.exec(url.pathname);
    if (m && url.searchParams.get('alt') === 'media' && shared) {
      const f = files.get(m[1]!);
      if (!f || f.mimeType.startsWith('application/vnd.google-apps.'))
        return json({ error: { code: 404 } }, 404);
      return void res.writeHead(200, { 'content-type': f.mimeType }).end(f.content);
    }
    unexpected.push(`${req.method} ${full}`);
    json({ error: { code: 404, message: 'not found' } }, 404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keyFile = JSON.stringify({
    type: 'service_account',
    project_id: 'contoso-hr',
    private_key_id: 'a1b2c3d4e5f6',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: '112233445566778899000',
    token_uri: `${origin}/token`,
  });
  return {
    apiUrl: origin,
    keyFile,
    files,
    requests,
    unexpected,
    throttleOnce,
    verbatim,
    failOnce,
    tokensIssued: () => issued,
    expireTokens: () => valid.clear(),
    refuseChangeTokens(status) {
      refused = { upTo: FIRST_TOKEN + shift + log.length, status };
      shift += log.length + 1;
    },
    touch(fileId, removed = false) {
      const f = files.get(fileId);
      if (f && !removed) f.version++;
      if (removed) files.delete(fileId);
      log.push({ fileId, removed });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
