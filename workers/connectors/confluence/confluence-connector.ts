/**
 * Confluence source: every current page of the chosen spaces, and their attachments of supported types, as
 * documents. A full listing each run (page metadata only, cheap); a page is read again only when its
 * version, its place in the tree or its readers changed. Pages gone from the listing are deleted.
 *
 * Readers: Confluence view restrictions inherit down the tree and each level can only narrow, so a page's
 * readers are those named at every restricted level (itself and its ancestors): users by e-mail, groups by
 * id (Cloud) or name (Server). A page with no restricted level has no readers of its own and the
 * collection decides. Space permissions are not read: map a space to a collection with the same audience.
 */
import {
  type ChangeBatch,
  type Connector,
  type ConnectorContext,
  claimedDocumentKind,
  type FetchedItem,
  type SourceChange,
  type SourceReaders,
  sha256Hex,
  titleFromFilename,
} from '#core';
import { createHttpClient, type HttpClientOptions } from '../http-client.ts';
import { tooLargeError } from '../too-large.ts';
import { createConfluenceApi, type PageMeta, type Restriction } from './confluence-api.ts';
import type { ConfluenceConfig } from './confluence-config.ts';
import { storageToHtml } from './storage-format.ts';

export interface ConfluenceLimits {
  readonly maxBytes: number;
  readonly http?: HttpClientOptions;
}

const BATCH = 50;
const PAGE = 'page:';
const ATTACHMENT = 'attachment:';

interface PageEntry {
  readonly meta: PageMeta;
  readonly ancestors: readonly string[];
  /** Ids of the page and its ancestors, nearest last. */
  readonly chain: readonly string[];
}

function intersect(sets: readonly (readonly string[])[]): string[] {
  const [first, ...rest] = sets.map((set) => new Set(set.map((value) => value.toLowerCase())));
  if (!first) return [];
  return [...first].filter((value) => rest.every((set) => set.has(value))).sort();
}

/** Readers named at every restricted level; null when no level is restricted. */
export function effectiveReaders(levels: readonly Restriction[]): SourceReaders | null {
  const restricted = levels.filter((level): level is NonNullable<Restriction> => level !== null);
  if (restricted.length === 0) return null;
  return {
    emails: intersect(restricted.map((level) => level.emails)),
    groups: intersect(restricted.map((level) => level.groups)),
  };
}

export function createConfluenceConnector(
  config: ConfluenceConfig,
  secret: string | null,
  limits: ConfluenceLimits,
): Connector {
  const http = createHttpClient({ userAgent: 'ex-GPT-connector/1', ...limits.http });
  const api = createConfluenceApi(config, secret, http);
  const cloud = config.deployment === 'cloud';
  // What this run's listing learnt, for fetch() and listReaders() of the same run.
  const pages = new Map<string, PageEntry>();
  const restrictions = new Map<string, Restriction>();
  const attachmentsOf = new Map<
    string,
    { pageId: string; downloadUrl: string; title: string; mediaType: string | null; webUrl: string }
  >();

  async function restrictionOf(pageId: string, signal: AbortSignal): Promise<Restriction> {
    if (restrictions.has(pageId)) return restrictions.get(pageId) ?? null;
    const listed = pages.get(pageId)?.meta.restriction;
    const found = listed !== undefined ? listed : await api.readRestriction(pageId, signal);
    restrictions.set(pageId, found);
    return found;
  }

  async function readersOf(pageId: string, signal: AbortSignal): Promise<SourceReaders | null> {
    const entry = pages.get(pageId);
    const chain = entry?.chain ?? [pageId];
    const levels: Restriction[] = [];
    for (const id of chain) levels.push(await restrictionOf(id, signal));
    return effectiveReaders(levels);
  }

  /**
   * What an item's version must change with besides its own number: (v1) who may read it, and for a page
   * its title and place in the tree, which are written into its text.
   */
  function placeKey(entry: PageEntry, of: 'page' | 'attachment'): string {
    const readers = cloud
      ? null
      : effectiveReaders(entry.chain.map((id) => pages.get(id)?.meta.restriction ?? null));
    const key = of === 'page' ? [entry.meta.title, entry.ancestors, readers] : [readers];
    return sha256Hex(new TextEncoder().encode(JSON.stringify(key))).slice(0, 16);
  }

  async function listSpace(spaceKey: string, signal: AbortSignal): Promise<PageEntry[]> {
    const metas = new Map<string, PageMeta>();
    for await (const batch of api.listPages(spaceKey, signal)) {
      for (const meta of batch) if (meta.id) metas.set(meta.id, meta);
    }
    const entries: PageEntry[] = [];
    for (const meta of metas.values()) {
      const chain: string[] = [meta.id];
      const seen = new Set(chain);
      for (let parent = meta.parentId; parent && metas.has(parent) && !seen.has(parent); ) {
        chain.unshift(parent);
        seen.add(parent);
        parent = metas.get(parent)!.parentId;
      }
      entries.push({
        meta,
        chain,
        ancestors: chain.slice(0, -1).map((id) => metas.get(id)!.title),
      });
    }
    return entries;
  }

  async function test(context: ConnectorContext): Promise<void> {
    for (const spaceKey of config.spaceKeys) {
      // The first page of the listing proves the credentials and the space; the rest is not read.
      for await (const _ of api.listPages(spaceKey, context.signal)) break;
    }
  }

  return {
    mode: 'full',
    test,

    async *listChanges(_cursor, context): AsyncIterable<ChangeBatch> {
      pages.clear();
      restrictions.clear();
      attachmentsOf.clear();
      const entries: PageEntry[] = [];
      for (const spaceKey of config.spaceKeys) entries.push(...(await listSpace(spaceKey, context.signal)));
      for (const entry of entries) pages.set(entry.meta.id, entry);

      let changes: SourceChange[] = [];
      for (const entry of entries) {
        context.signal.throwIfAborted();
        const externalId = `${PAGE}${entry.meta.id}`;
        const version = `${entry.meta.version}:${placeKey(entry, 'page')}`;
        const known = await context.known(externalId);
        changes.push(
          known?.version === version
            ? { kind: 'unchanged', externalId }
            : { kind: 'upsert', item: { externalId, version } },
        );
        if (config.attachments) {
          for (const attachment of await api.listAttachments(entry.meta.id, context.signal)) {
            if (!claimedDocumentKind({ filename: attachment.title, mimeType: attachment.mediaType }))
              continue;
            const id = `${ATTACHMENT}${attachment.id}`;
            attachmentsOf.set(id, { ...attachment, pageId: entry.meta.id });
            const attachmentVersion = `${attachment.version}:${placeKey(entry, 'attachment')}`;
            const knownAttachment = await context.known(id);
            changes.push(
              knownAttachment?.version === attachmentVersion
                ? { kind: 'unchanged', externalId: id }
                : { kind: 'upsert', item: { externalId: id, version: attachmentVersion } },
            );
          }
        }
        if (changes.length >= BATCH) {
          yield { changes, cursor: null };
          changes = [];
        }
      }
      if (changes.length > 0) yield { changes, cursor: null };
    },

    async fetch(item, context): Promise<FetchedItem | null> {
      if (item.externalId.startsWith(ATTACHMENT)) {
        const attachment = attachmentsOf.get(item.externalId);
        if (!attachment) return null;
        const bytes = await api.download(attachment.downloadUrl, limits.maxBytes, context.signal);
        if (bytes === null) return null;
        if (bytes === 'too-large') throw tooLargeError(attachment.title, limits.maxBytes);
        return {
          bytes,
          filename: attachment.title,
          ...(attachment.mediaType ? { mimeType: attachment.mediaType } : {}),
          // Titled by its file name until ingestion reads the title the file gives itself.
          title: titleFromFilename(attachment.title),
          url: attachment.webUrl,
        };
      }
      const pageId = item.externalId.slice(PAGE.length);
      const body = await api.pageBody(pageId, context.signal);
      if (!body) return null;
      const entry = pages.get(pageId);
      // Checked before converting too: the XML parser's cost grows with nesting, so a huge body is refused first.
      const tooLarge = (size: number) => size > limits.maxBytes;
      if (tooLarge(Buffer.byteLength(body.storage, 'utf8'))) throw tooLargeError(body.title, limits.maxBytes);
      const html = storageToHtml(body.storage, { title: body.title, ancestors: entry?.ancestors ?? [] });
      const bytes = new TextEncoder().encode(html);
      if (tooLarge(bytes.byteLength)) throw tooLargeError(body.title, limits.maxBytes);
      return {
        bytes,
        filename: `confluence-page-${pageId}.html`,
        mimeType: 'text/html',
        title: body.title,
        url: entry?.meta.webUrl ?? body.webUrl,
      };
    },

    async listReaders(item, context) {
      const pageId = item.externalId.startsWith(ATTACHMENT)
        ? attachmentsOf.get(item.externalId)?.pageId
        : item.externalId.slice(PAGE.length);
      // An attachment not seen in this run cannot be placed: readable by nobody rather than everybody.
      if (!pageId) return { emails: [], groups: [] };
      return readersOf(pageId, context.signal);
    },
  };
}
