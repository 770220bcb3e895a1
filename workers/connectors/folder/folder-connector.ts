/**
 * Folder source: a local or mounted network path, listed in full on every run (an item's version is its
 * size and modification time, so unchanged files are not read again). Hidden files and symbolic links are
 * skipped: a link could lead outside the folder the admin chose.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { AppError, type ChangeBatch, type Connector, type SourceChange, titleFromFilename } from '#core';
import { tooLargeError } from '../too-large.ts';

export const folderConfigSchema = z.object({
  path: z
    .string()
    .trim()
    .min(1, 'a folder path is required')
    .refine(path.isAbsolute, 'must be an absolute path'),
});
export type FolderConfig = z.infer<typeof folderConfigSchema>;

/** Files per batch: one lookup of what the last run saw, and one saved progress, per batch. */
const BATCH = 500;

export function createFolderConnector(config: FolderConfig, options: { maxBytes: number }): Connector {
  const root = path.resolve(config.path);

  async function* walk(dir: string, signal: AbortSignal): AsyncGenerator<string> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      signal.throwIfAborted();
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) yield* walk(full, signal);
      else if (entry.isFile()) yield full;
    }
  }

  const externalIdOf = (full: string) => path.relative(root, full).split(path.sep).join('/');

  async function test(): Promise<void> {
    const info = await stat(root).catch(() => null);
    const readable = info?.isDirectory()
      ? await readdir(root).then(
          () => true,
          () => false,
        )
      : false;
    if (!readable) {
      throw new AppError('invalid_input', `${root} is not a folder this server can read.`, {
        localized: { key: 'sources.failure.folderUnreadable', values: { path: root } },
      });
    }
  }

  return {
    mode: 'full',
    test,

    async *listChanges(_cursor, context): AsyncIterable<ChangeBatch> {
      await test();
      let listed: { externalId: string; version: string }[] = [];
      // What the last run saw, looked up for a whole batch at once: a rescan of 10,000 unchanged files is
      // 20 lookups, not 10,000.
      const batchOf = async (): Promise<ChangeBatch> => {
        const known = await context.knownMany(listed.map((item) => item.externalId));
        const changes = listed.map(
          ({ externalId, version }): SourceChange =>
            known.get(externalId)?.version === version
              ? { kind: 'unchanged', externalId }
              : { kind: 'upsert', item: { externalId, version } },
        );
        listed = [];
        return { changes, cursor: null };
      };
      for await (const full of walk(root, context.signal)) {
        const info = await stat(full).catch(() => null);
        if (!info) continue;
        listed.push({ externalId: externalIdOf(full), version: `${info.size}:${Math.trunc(info.mtimeMs)}` });
        if (listed.length >= BATCH) yield await batchOf();
      }
      if (listed.length > 0) yield await batchOf();
    },

    async fetch(item) {
      const full = path.join(root, ...item.externalId.split('/'));
      if (!full.startsWith(root + path.sep)) return null;
      const handle = await open(full, 'r').catch(() => null);
      if (!handle) return null;
      try {
        const info = await handle.stat();
        if (info.size > options.maxBytes) throw tooLargeError(item.externalId, options.maxBytes);
        const bytes = new Uint8Array(await handle.readFile());
        const filename = path.basename(full);
        return {
          bytes,
          filename,
          // What an upload without a typed title gets: ingestion then prefers the document's own heading.
          title: titleFromFilename(filename),
          url: pathToFileURL(full).href,
        };
      } finally {
        await handle.close();
      }
    },

    async listReaders() {
      return null;
    },
  };
}
