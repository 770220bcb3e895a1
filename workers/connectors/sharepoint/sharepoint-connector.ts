/**
 * SharePoint and OneDrive source through Microsoft Graph: the document libraries of a site (or one of them),
 * or a user's OneDrive, followed with `delta`. The cursor holds each drive's deltaLink (or, mid-enumeration,
 * its nextLink). A drive whose delta token Graph no longer accepts (410, resyncRequired) is enumerated again
 * from scratch, and what that complete listing does not name is deleted.
 */
import {
  AppError,
  type ChangeBatch,
  type Connector,
  type ConnectorContext,
  type FetchedItem,
  type SourceChange,
  type SourceItemRef,
  type SourceReaders,
  sha256Hex,
  titleFromFilename,
  UnprocessableDocumentError,
} from '#core';
import { createHttpClient, type HttpClientOptions, readCapped } from '../http-client.ts';
import { mapInOrder } from '../item-pool.ts';
import { tooLargeChange, tooLargeError } from '../too-large.ts';
import { createGraphClient, type GraphEndpoints, GraphError } from './graph-client.ts';
import { classifyDeltaItem, type GraphDriveItem, readDeltaPage } from './graph-mapping.ts';
import { createItemReaders } from './item-readers.ts';
import { type SharepointConfig, sharepointConfigSchema, sitePath } from './sharepoint-config.ts';

export interface SharepointLimits {
  readonly maxBytes: number;
  readonly graph: GraphEndpoints;
  readonly http?: HttpClientOptions;
}

const DELTA_PREFER = {
  prefer: 'deltashowremovedasdeleted, deltatraversepermissiongaps, deltashowsharingchanges',
};

/** Per drive: where its delta resumes, and whether that enumeration started from scratch. */
interface DriveCursor {
  readonly link: string;
  readonly fromScratch: boolean;
  /** The run that enumeration started in, so a retry that finishes it sweeps only what no run since named. */
  readonly sinceRun?: number | undefined;
}

/** Readers asked for at once while a delta page is read: one permissions request per file. */
const PERMISSION_REQUESTS_IN_FLIGHT = 8;
type Cursor = Record<string, DriveCursor>;

interface Listed {
  readonly driveId: string;
  readonly item: GraphDriveItem;
  readonly readers: SourceReaders | null;
}

function parseCursor(raw: string | null): Cursor {
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as { drives?: Cursor };
    return parsed.drives ?? {};
  } catch {
    return {};
  }
}

export function createSharepointConnector(
  raw: SharepointConfig,
  secret: string | null,
  limits: SharepointLimits,
): Connector {
  const config = sharepointConfigSchema.parse(raw);
  if (!secret) {
    throw new AppError(
      'invalid_input',
      'A SharePoint source needs its client secret: enter it as the secret.',
      {
        expose: true,
      },
    );
  }
  const http = createHttpClient(limits.http ?? {});
  const graph = createGraphClient(
    limits.graph,
    { tenantId: config.tenantId, clientId: config.clientId, clientSecret: secret },
    http,
  );
  const readersOf = createItemReaders(graph);
  // Metadata and readers read while listing, for fetch() and listReaders() in the same run.
  const listed = new Map<string, Listed>();

  async function drives(signal: AbortSignal): Promise<string[]> {
    if (config.user) {
      const drive = await graph.getJson<{ id: string }>(
        `/users/${encodeURIComponent(config.user)}/drive`,
        signal,
      );
      return [drive.id];
    }
    if (!config.site) return [config.driveId!];
    const site = await graph.getJson<{ id: string }>(sitePath(config.site), signal);
    const found: string[] = [];
    let next: string | null = `/sites/${encodeURIComponent(site.id)}/drives`;
    while (next) {
      const page: { value?: { id: string; driveType?: string }[]; '@odata.nextLink'?: string } =
        await graph.getJson(next, signal);
      for (const drive of page.value ?? []) {
        if (!drive.driveType || drive.driveType === 'documentLibrary') found.push(drive.id);
      }
      next = page['@odata.nextLink'] ?? null;
    }
    if (config.driveId) {
      if (!found.includes(config.driveId)) {
        throw new AppError(
          'invalid_input',
          `The site has no document library with the drive id ${config.driveId}.`,
          {
            expose: true,
          },
        );
      }
      return [config.driveId];
    }
    return found;
  }

  const externalIdOf = (driveId: string, itemId: string) => `${driveId}/${itemId}`;
  const split = (externalId: string) => {
    const at = externalId.indexOf('/');
    return { driveId: externalId.slice(0, at), itemId: externalId.slice(at + 1) };
  };

  async function changeFor(
    driveId: string,
    item: GraphDriveItem,
    context: ConnectorContext,
  ): Promise<SourceChange> {
    const externalId = externalIdOf(driveId, item.id);
    if (item.size !== undefined && item.size > limits.maxBytes) {
      return tooLargeChange(externalId, item.name ?? item.id, limits.maxBytes);
    }
    const readers = await readersOf(driveId, item.id, context.signal);
    // The version covers content (cTag), name and place (eTag, webUrl) and readers, so a rename, a move or a
    // permission change alone is applied too.
    const version = `graph:${sha256Hex(
      new TextEncoder().encode(JSON.stringify([item.cTag, item.eTag, item.name, item.webUrl, readers])),
    )}`;
    listed.set(externalId, { driveId, item, readers });
    const known = await context.known(externalId);
    if (known?.version === version) return { kind: 'unchanged', externalId };
    return { kind: 'upsert', item: { externalId, version } };
  }

  async function download(driveId: string, item: GraphDriveItem, signal: AbortSignal): Promise<Response> {
    // downloadUrl is pre-authenticated and short-lived: it gets no Authorization header.
    const direct = item['@microsoft.graph.downloadUrl'];
    if (direct) {
      const response = await http.request(direct, { signal });
      if (response.status !== 401 && response.status !== 403) return response;
      await response.body?.cancel();
    }
    const content = await graph.get(`/drives/${driveId}/items/${item.id}/content`, signal, {
      redirect: 'manual',
    });
    const location = content.headers.get('location');
    if (content.status >= 300 && content.status < 400 && location) {
      await content.body?.cancel();
      return http.request(new URL(location, graph.url('/')).href, { signal });
    }
    return content;
  }

  return {
    mode: 'delta',

    async test(context) {
      const found = await drives(context.signal);
      if (found.length === 0)
        throw new AppError('invalid_input', 'The site has no document library.', { expose: true });
      await graph.getJson(`/drives/${found[0]}/root`, context.signal);
    },

    async *listChanges(rawCursor, context): AsyncIterable<ChangeBatch> {
      const { signal } = context;
      listed.clear();
      const cursor: Cursor = { ...parseCursor(rawCursor) };
      const encode = () => JSON.stringify({ drives: cursor });
      for (const driveId of await drives(signal)) {
        const start = (): DriveCursor => ({
          link: graph.url(`/drives/${driveId}/root/delta`),
          fromScratch: true,
          sinceRun: context.run,
        });
        let at: DriveCursor = cursor[driveId] ?? start();
        for (;;) {
          signal.throwIfAborted();
          // Without these, an item whose only change is its sharing never shows up in the delta (the
          // combination OneDrive's own sync clients send; deltatraversepermissiongaps reaches items in folders
          // the app cannot list).
          const response = await graph.get(at.link, signal, { headers: DELTA_PREFER });
          const body: unknown = await response.json().catch(() => null);
          if (response.status === 410 && !(at.fromScratch && at.link === start().link)) {
            // resyncRequired: the token expired or the drive was restored. Graph's Location header starts
            // the fresh enumeration; without one, start at the root.
            const location = response.headers.get('location');
            at = {
              link: location ? graph.url(location) : start().link,
              fromScratch: true,
              sinceRun: context.run,
            };
            continue;
          }
          if (!response.ok) throw new GraphError(response.status, body, `the changes of drive ${driveId}`);
          const page = readDeltaPage(body);
          const done = page.nextLink === null;
          const link = page.nextLink ?? page.deltaLink;
          if (!link)
            throw new GraphError(
              response.status,
              body,
              `the changes of drive ${driveId} (no nextLink or deltaLink)`,
            );
          // Checked before anything on the page is acted on: a link off the Graph origin stops the run.
          const onward = graph.url(link);
          // Each file's readers are one request: several at once, the page's order kept.
          const changes = await mapInOrder(
            page.items.map(classifyDeltaItem),
            PERMISSION_REQUESTS_IN_FLIGHT,
            async (entry): Promise<SourceChange | null> => {
              if (entry.kind === 'delete')
                return { kind: 'delete', externalId: externalIdOf(driveId, entry.itemId) };
              if (entry.kind === 'file') return changeFor(driveId, entry.item, context);
              return null;
            },
          );
          const { fromScratch, sinceRun } = at;
          at = { link: onward, fromScratch: fromScratch && !done, sinceRun: done ? undefined : sinceRun };
          cursor[driveId] = at;
          yield {
            changes: changes.filter((change): change is SourceChange => change !== null),
            cursor: encode(),
            ...(fromScratch
              ? {
                  completeListingOf: {
                    prefix: `${driveId}/`,
                    final: done,
                    sinceRun: sinceRun ?? context.run,
                  },
                }
              : {}),
          };
          if (done) break;
        }
      }
    },

    async fetch(ref: SourceItemRef, context): Promise<FetchedItem | null> {
      const { driveId, itemId } = split(ref.externalId);
      let entry = listed.get(ref.externalId);
      if (!entry) {
        // Resumed after a crash: the listing that named it is gone, ask for the item again.
        const response = await graph.get(`/drives/${driveId}/items/${itemId}`, context.signal);
        if (response.status === 404) return null;
        const body: unknown = await response.json().catch(() => null);
        if (!response.ok) throw new GraphError(response.status, body, `item ${itemId}`);
        const item = body as GraphDriveItem;
        if (item.deleted !== undefined || item.file === undefined) return null;
        entry = { driveId, item, readers: await readersOf(driveId, itemId, context.signal) };
        listed.set(ref.externalId, entry);
      }
      const { item } = entry;
      const response = await download(driveId, item, context.signal);
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new UnprocessableDocumentError(
          `${item.name ?? itemId} could not be downloaded (HTTP ${response.status}).`,
        );
      }
      const { bytes, truncated } = await readCapped(response, limits.maxBytes);
      if (truncated) throw tooLargeError(item.name ?? itemId, limits.maxBytes);
      const filename = item.name ?? itemId;
      return {
        bytes,
        filename,
        ...(item.file?.mimeType ? { mimeType: item.file.mimeType } : {}),
        title: titleFromFilename(filename),
        url: item.webUrl ?? null,
      };
    },

    async listReaders(ref, context) {
      const entry = listed.get(ref.externalId);
      if (entry) return entry.readers;
      const { driveId, itemId } = split(ref.externalId);
      return readersOf(driveId, itemId, context.signal);
    },
  };
}
