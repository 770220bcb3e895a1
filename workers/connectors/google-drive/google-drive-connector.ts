/**
 * Google Drive source (API v3, service account). The first sync lists every file (files.list) after taking
 * a changes start token; later runs read only changes.list from the saved token. The cursor says which of
 * the two a run is in and where, so a crashed first sync resumes its listing instead of starting over.
 * Google Docs, Sheets and Slides are exported (DOCX/XLSX/PPTX, or PDF); other supported files downloaded
 * as they are. Trashed or removed is deleted. Readers come from permissions.list: users by e-mail, groups by
 * their e-mail (an ex-GPT group's externalId); a link for anyone or for the whole domain means no
 * restriction of its own.
 */
import {
  AppError,
  type ChangeBatch,
  type Connector,
  type ConnectorContext,
  claimedDocumentKind,
  type FetchedItem,
  type SourceChange,
  type SourceItemRef,
  type SourceReaders,
  titleFromFilename,
} from '#core';
import { createHttpClient, type HttpClientOptions } from '../http-client.ts';
import { tooLargeError } from '../too-large.ts';
import { createDriveApi, type DriveFile } from './drive-api.ts';
import type { GoogleDriveConfig } from './google-drive-config.ts';
import { createTokenSource, parseServiceAccountKey, type TokenSource } from './service-account-token.ts';

export interface GoogleDriveLimits {
  readonly maxBytes: number;
  readonly http?: HttpClientOptions;
}

const OFFICE_EXPORTS: Readonly<Record<string, { mimeType: string; extension: string }>> = {
  'application/vnd.google-apps.document': {
    mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    extension: '.docx',
  },
  'application/vnd.google-apps.spreadsheet': {
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extension: '.xlsx',
  },
  'application/vnd.google-apps.presentation': {
    mimeType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    extension: '.pptx',
  },
};
const PDF = { mimeType: 'application/pdf', extension: '.pdf' };

type Cursor =
  | {
      readonly phase: 'list';
      readonly pageToken: string | null;
      readonly start: string;
      /** The run the listing began in: a retry that finishes it deletes only what no run since named. */
      readonly sinceRun?: number | undefined;
    }
  | { readonly phase: 'changes'; readonly pageToken: string };

function parseCursor(cursor: string | null): Cursor | null {
  if (!cursor) return null;
  try {
    const value = JSON.parse(cursor) as Cursor;
    if (value.phase === 'list' && typeof value.start === 'string') return value;
    if (value.phase === 'changes' && typeof value.pageToken === 'string') return value;
  } catch {
    // A cursor this version did not write: start over with a full listing.
  }
  return null;
}

interface FileState {
  readonly name: string;
  readonly mimeType: string;
  readonly webViewLink: string | null;
}

export function createGoogleDriveConnector(
  config: GoogleDriveConfig,
  secret: string | null,
  limits: GoogleDriveLimits,
): Connector {
  const http = createHttpClient({ userAgent: 'ex-GPT-connector/1', ...limits.http });
  // The key is checked when the connector is used, so a bad one fails the run (or the test) with its reason.
  let signIn: TokenSource | null = null;
  const tokens = (): TokenSource =>
    (signIn ??= createTokenSource(parseServiceAccountKey(secret), http, { subject: config.subject }));
  const api = createDriveApi(
    config,
    { token: (signal) => tokens().token(signal), invalidate: () => tokens().invalidate() },
    http,
  );

  const exportOf = (mimeType: string) => {
    if (!(mimeType in OFFICE_EXPORTS)) return null;
    return config.exportAs === 'pdf' ? PDF : OFFICE_EXPORTS[mimeType]!;
  };
  const supported = (file: DriveFile) =>
    exportOf(file.mimeType) !== null ||
    (!file.mimeType.startsWith('application/vnd.google-apps.') &&
      claimedDocumentKind({ filename: file.name, mimeType: file.mimeType }) !== null);

  async function changeFor(file: DriveFile, context: ConnectorContext): Promise<SourceChange | null> {
    if (file.trashed) return { kind: 'delete', externalId: file.id };
    // A file that is no longer something we index (a renamed image, a folder) is gone as far as we are concerned.
    if (!supported(file))
      return (await context.known(file.id)) ? { kind: 'delete', externalId: file.id } : null;
    const known = await context.known(file.id);
    const state: FileState = { name: file.name, mimeType: file.mimeType, webViewLink: file.webViewLink };
    return known?.version === file.version
      ? { kind: 'unchanged', externalId: file.id }
      : { kind: 'upsert', item: { externalId: file.id, version: file.version, state: { ...state } } };
  }

  const stateOf = (item: SourceItemRef): FileState | null => {
    const state = item.state as Partial<FileState> | undefined;
    return state && typeof state.name === 'string' && typeof state.mimeType === 'string'
      ? { name: state.name, mimeType: state.mimeType, webViewLink: state.webViewLink ?? null }
      : null;
  };

  return {
    mode: 'delta',

    async test(context) {
      await api.startPageToken(context.signal);
      await api.listFiles(null, context.signal);
    },

    async *listChanges(cursor, context): AsyncIterable<ChangeBatch> {
      const freshListing = async (): Promise<Cursor> => ({
        phase: 'list',
        pageToken: null,
        start: await api.startPageToken(context.signal),
        sinceRun: context.run,
      });
      let at: Cursor = parseCursor(cursor) ?? (await freshListing());
      let startedOver = false;
      for (;;) {
        while (at.phase === 'list') {
          const page = await api.listFiles(at.pageToken, context.signal);
          const changes: SourceChange[] = [];
          for (const file of page.files) {
            const change = await changeFor(file, context);
            if (change) changes.push(change);
          }
          const sinceRun = at.sinceRun ?? context.run;
          at = page.nextPageToken
            ? { phase: 'list', pageToken: page.nextPageToken, start: at.start, sinceRun }
            : { phase: 'changes', pageToken: at.start };
          // A listing of everything: once its last page is done, what it did not name is gone.
          yield {
            changes,
            cursor: JSON.stringify(at),
            completeListingOf: { prefix: '', final: at.phase === 'changes', sinceRun },
          };
          // The listing is complete: the changes made while it ran come next, from the start token.
        }
        const page = await api.listChanges(at.pageToken, context.signal);
        if (page === 'stale-token') {
          // Drive no longer accepts the saved token (it expired): list everything again, as SharePoint's 410
          // resync does. A token just taken that is refused too is Drive's fault, not the cursor's.
          if (startedOver) {
            throw new AppError(
              'upstream_unavailable',
              'Google Drive refused the change token it had just given; the run will be retried.',
              { expose: true, localized: { key: 'sources.failure.driveTokenRefused' } },
            );
          }
          startedOver = true;
          at = await freshListing();
          continue;
        }
        const changes: SourceChange[] = [];
        for (const change of page.changes) {
          if (change.removed || !change.file) changes.push({ kind: 'delete', externalId: change.fileId });
          else {
            const next = await changeFor(change.file, context);
            if (next) changes.push(next);
          }
        }
        const token: string = page.nextPageToken ?? page.newStartPageToken ?? at.pageToken;
        at = { phase: 'changes', pageToken: token };
        yield { changes, cursor: JSON.stringify(at) };
        if (!page.nextPageToken) return;
      }
    },

    async fetch(item, context): Promise<FetchedItem | null> {
      const state = stateOf(item);
      if (!state) return null;
      const exported = exportOf(state.mimeType);
      const bytes = await api.content(
        item.externalId,
        state.name,
        exported?.mimeType ?? null,
        limits.maxBytes,
        context.signal,
      );
      if (bytes === null) return null;
      if (bytes === 'too-large') throw tooLargeError(state.name, limits.maxBytes);
      return {
        bytes,
        filename: exported ? `${state.name}${exported.extension}` : state.name,
        mimeType: exported?.mimeType ?? state.mimeType,
        // A downloaded file is titled by its name until ingestion reads the title it gives itself.
        title: exported ? state.name : titleFromFilename(state.name),
        url: state.webViewLink,
      };
    },

    async listReaders(item, context): Promise<SourceReaders | null> {
      const permissions = await api.permissions(
        item.externalId,
        stateOf(item)?.name ?? item.externalId,
        context.signal,
      );
      // Gone since it was listed: readable by nobody rather than by everybody.
      if (!permissions) return { emails: [], groups: [] };
      const live = permissions.filter((permission) => !permission.deleted);
      if (live.some((permission) => permission.type === 'anyone' || permission.type === 'domain'))
        return null;
      const emailsOf = (type: string) =>
        live
          .filter((permission) => permission.type === type && permission.emailAddress)
          .map((permission) => permission.emailAddress!.toLowerCase());
      return { emails: emailsOf('user'), groups: emailsOf('group') };
    },
  };
}
