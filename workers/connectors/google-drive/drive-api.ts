/**
 * Drive API v3 as the connector uses it: files.list for the first sync, changes.getStartPageToken and
 * changes.list afterwards, files.export / alt=media for content, permissions.list for readers. Shared
 * drives need supportsAllDrives and includeItemsFromAllDrives on every call, and corpora=drive with a driveId.
 * Field names of the older v2 answers (items, deleted, title, labels.trashed, alternateLink) are read too
 * where they mean the same thing.
 */
import { AppError, UnprocessableDocumentError } from '#core';
import { type HttpClient, readCapped } from '../http-client.ts';
import type { GoogleDriveConfig } from './google-drive-config.ts';
import type { TokenSource } from './service-account-token.ts';

export interface DriveFile {
  readonly id: string;
  readonly name: string;
  readonly mimeType: string;
  /** Changes with every change to the file, its sharing included. */
  readonly version: string;
  readonly trashed: boolean;
  readonly webViewLink: string | null;
}

export interface DriveChange {
  readonly fileId: string;
  readonly removed: boolean;
  readonly file: DriveFile | null;
}

export interface DrivePermission {
  readonly type: string;
  readonly emailAddress: string | null;
  readonly deleted: boolean;
}

const FILE_FIELDS = 'id,name,mimeType,version,modifiedTime,trashed,webViewLink';
const MAX_JSON_BYTES = 32 * 1024 * 1024;

type Json = Record<string, unknown>;
const obj = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const str = (value: unknown): string | null =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;

function fileOf(raw: unknown): DriveFile | null {
  const file = obj(raw);
  const id = str(file.id);
  if (!id) return null;
  return {
    id,
    name: str(file.name) ?? str(file.title) ?? id,
    mimeType: str(file.mimeType) ?? 'application/octet-stream',
    version: str(file.version) ?? str(file.modifiedTime) ?? str(file.modifiedDate) ?? str(file.etag) ?? '',
    trashed: file.trashed === true || obj(file.labels).trashed === true,
    webViewLink: str(file.webViewLink) ?? str(file.alternateLink),
  };
}

export interface DriveApi {
  startPageToken(signal: AbortSignal): Promise<string>;
  listFiles(
    pageToken: string | null,
    signal: AbortSignal,
  ): Promise<{ files: DriveFile[]; nextPageToken: string | null }>;
  listChanges(
    pageToken: string,
    signal: AbortSignal,
  ): Promise<
    | { changes: DriveChange[]; nextPageToken: string | null; newStartPageToken: string | null }
    /** Drive no longer accepts the page token (expired, or from another drive): start over. */
    | 'stale-token'
  >;
  /** The file's bytes, exported to `exportMimeType` when given; null when it is gone. */
  content(
    fileId: string,
    name: string,
    exportMimeType: string | null,
    maxBytes: number,
    signal: AbortSignal,
  ): Promise<Uint8Array | 'too-large' | null>;
  permissions(fileId: string, name: string, signal: AbortSignal): Promise<DrivePermission[] | null>;
}

interface CallOptions {
  /** The file the call is about, named in its failure. */
  readonly item?: string | undefined;
  readonly gone?: ((status: number, body: string) => boolean) | undefined;
}

export function createDriveApi(config: GoogleDriveConfig, tokens: TokenSource, http: HttpClient): DriveApi {
  const api = `${config.apiUrl.replace(/\/+$/, '')}/drive/v3`;
  const allDrives = (url: URL, listing: boolean) => {
    url.searchParams.set('supportsAllDrives', 'true');
    if (listing) url.searchParams.set('includeItemsFromAllDrives', 'true');
    if (config.driveId) url.searchParams.set('driveId', config.driveId);
    return url;
  };

  /**
   * A Drive call with the service account's token; one 401 signs in again (an expired token). `item` names
   * the file when the call is about one: a 403 then fails that file with its reason (too large to export,
   * downloads disabled by its owner, sharing not visible) instead of the whole run. `gone` says which other
   * answers than a 404 mean "not there" (null).
   */
  async function call(url: URL, signal: AbortSignal, how: CallOptions = {}): Promise<Response | null> {
    const { item, gone } = how;
    for (let attempt = 0; ; attempt++) {
      const token = await tokens.token(signal);
      const response = await http.request(url.href, {
        headers: { authorization: `Bearer ${token}` },
        signal,
      });
      if (response.status === 401 && attempt === 0) {
        await response.body?.cancel();
        tokens.invalidate();
        continue;
      }
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (response.ok) return response;
      const { bytes } = await readCapped(response, 64 * 1024);
      const text = new TextDecoder().decode(bytes);
      if (gone?.(response.status, text)) return null;
      // Drive answers its rate limits with 403 as well as 429 (usage limits guide).
      if (response.status === 403 && /rateLimitExceeded/i.test(text)) {
        throw new AppError(
          'upstream_unavailable',
          'Google Drive asked to slow down (rate limit); the next run goes on.',
          {
            expose: true,
          },
        );
      }
      if (response.status === 403 && item !== undefined) {
        const reason = /exportSizeLimitExceeded/i.test(text)
          ? 'it is too large for Google to export (10 MB)'
          : /cannotDownloadFile|cannotCopyFile/i.test(text)
            ? 'its owner does not allow downloads'
            : 'Google Drive did not let the service account read it (HTTP 403)';
        throw new UnprocessableDocumentError(`${item}: ${reason}.`);
      }
      if (response.status === 401 || response.status === 403) {
        throw new AppError(
          'invalid_input',
          `Google Drive refused the service account (HTTP ${response.status}): share the drive or folders with its e-mail, or check its delegation.`,
          { localized: { key: 'sources.failure.driveRefused', values: { status: response.status } } },
        );
      }
      throw new AppError('upstream_unavailable', `Google Drive answered HTTP ${response.status}.`, {
        expose: true,
      });
    }
  }

  async function getJson(url: URL, signal: AbortSignal, how: CallOptions = {}): Promise<Json | null> {
    const response = await call(url, signal, how);
    if (!response) return null;
    const { bytes, truncated } = await readCapped(response, MAX_JSON_BYTES);
    if (truncated)
      throw new AppError('upstream_unavailable', 'Google Drive sent an answer too large to read.', {
        expose: true,
      });
    try {
      return obj(JSON.parse(new TextDecoder().decode(bytes)));
    } catch {
      throw new AppError('upstream_unavailable', 'Google Drive sent an answer that is not JSON.', {
        expose: true,
      });
    }
  }

  return {
    async startPageToken(signal) {
      const found = await getJson(allDrives(new URL(`${api}/changes/startPageToken`), false), signal);
      const token = str(found?.startPageToken);
      if (!token)
        throw new AppError('upstream_unavailable', 'Google Drive gave no start page token.', {
          expose: true,
        });
      return token;
    },

    async listFiles(pageToken, signal) {
      const url = allDrives(new URL(`${api}/files`), true);
      url.searchParams.set('q', 'trashed = false');
      url.searchParams.set('pageSize', '1000');
      url.searchParams.set('corpora', config.driveId ? 'drive' : 'user');
      url.searchParams.set('fields', `nextPageToken,files(${FILE_FIELDS})`);
      if (pageToken) url.searchParams.set('pageToken', pageToken);
      const found = await getJson(url, signal);
      if (!found) {
        throw new AppError(
          'invalid_input',
          `Google Drive has no shared drive "${config.driveId ?? ''}" this account can read.`,
        );
      }
      const files = (Array.isArray(found.files) ? found.files : [])
        .map(fileOf)
        .filter((f): f is DriveFile => f !== null);
      return { files, nextPageToken: str(found.nextPageToken) };
    },

    async listChanges(pageToken, signal) {
      const url = allDrives(new URL(`${api}/changes`), true);
      url.searchParams.set('pageToken', pageToken);
      url.searchParams.set('pageSize', '1000');
      url.searchParams.set(
        'fields',
        `nextPageToken,newStartPageToken,changes(changeType,removed,fileId,file(${FILE_FIELDS}))`,
      );
      // A token Drive no longer accepts: 404, or 400 "Invalid Value" about the pageToken parameter.
      const found = await getJson(url, signal, {
        gone: (status, body) => status === 400 && /pageToken/.test(body),
      });
      if (!found) return 'stale-token';
      const raw = Array.isArray(found.changes)
        ? found.changes
        : Array.isArray(found.items)
          ? found.items
          : [];
      const changes: DriveChange[] = [];
      for (const item of raw.map(obj)) {
        // Shared-drive changes (changeType "drive") are about the drive itself, not a file.
        if (str(item.changeType) === 'drive') continue;
        const file = fileOf(item.file);
        const fileId = str(item.fileId) ?? file?.id;
        if (!fileId) continue;
        changes.push({ fileId, removed: item.removed === true || item.deleted === true, file });
      }
      return {
        changes,
        nextPageToken: str(found.nextPageToken),
        newStartPageToken: str(found.newStartPageToken),
      };
    },

    async content(fileId, name, exportMimeType, maxBytes, signal) {
      const url = new URL(`${api}/files/${encodeURIComponent(fileId)}${exportMimeType ? '/export' : ''}`);
      if (exportMimeType) url.searchParams.set('mimeType', exportMimeType);
      else {
        url.searchParams.set('alt', 'media');
        url.searchParams.set('supportsAllDrives', 'true');
      }
      const response = await call(url, signal, { item: name });
      if (!response) return null;
      const { bytes, truncated } = await readCapped(response, maxBytes);
      return truncated ? 'too-large' : bytes;
    },

    async permissions(fileId, name, signal) {
      const found: DrivePermission[] = [];
      let pageToken: string | null = null;
      do {
        const url = new URL(`${api}/files/${encodeURIComponent(fileId)}/permissions`);
        url.searchParams.set('supportsAllDrives', 'true');
        url.searchParams.set('pageSize', '100');
        url.searchParams.set('fields', 'nextPageToken,permissions(id,type,role,emailAddress,domain,deleted)');
        if (pageToken) url.searchParams.set('pageToken', pageToken);
        const page = await getJson(url, signal, { item: name });
        if (!page) return null;
        for (const raw of Array.isArray(page.permissions) ? page.permissions : []) {
          const permission = obj(raw);
          found.push({
            type: str(permission.type) ?? '',
            emailAddress: str(permission.emailAddress),
            deleted: permission.deleted === true,
          });
        }
        pageToken = str(page.nextPageToken);
      } while (pageToken);
      return found;
    },
  };
}
