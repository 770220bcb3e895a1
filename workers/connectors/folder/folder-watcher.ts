/**
 * File-system events for folder sources: a change under a watched folder queues a sync of its source once
 * things have been quiet for a moment, between the scheduled rescans. Watching is best effort: where
 * recursive fs.watch is missing (some platforms, network mounts that send no events) or fails (inotify
 * limits), the scheduled rescan alone keeps the folder in sync, as before.
 */
import { type FSWatcher, watch as fsWatch, statSync } from 'node:fs';
import path from 'node:path';
import type { JobQueue, Logger, StoredSource } from '#core';
import { syncSourceJobId } from '../sync-source.job.ts';

export interface FolderWatchOptions {
  readonly sources: { list(): Promise<StoredSource[]> };
  readonly queue: Pick<JobQueue, 'enqueue'>;
  readonly logger: Logger;
  /** Quiet time after the last event before the sync is queued (a copy of many files is one run). */
  readonly debounceMs?: number;
  /** How often the list of folder sources is read again (sources added, paused, deleted, moved). */
  readonly refreshMs?: number;
  readonly watch?: typeof fsWatch;
}

export interface FolderWatching {
  /** Reads the sources again now and watches exactly the folders of the unpaused folder sources. */
  refresh(): Promise<void>;
  /** Source ids whose folder is being watched. */
  watching(): string[];
  close(): void;
}

interface Watched {
  readonly folder: string;
  readonly watcher: FSWatcher;
  timer: NodeJS.Timeout | null;
}

export function startFolderWatching(options: FolderWatchOptions): FolderWatching {
  const debounceMs = options.debounceMs ?? 2000;
  const watch = options.watch ?? fsWatch;
  const log = options.logger.child({ component: 'folder-watch' });
  const watched = new Map<string, Watched>();
  let closed = false;

  const queueSync = (sourceId: string) => {
    // The job id is the one "run now" uses: a sync already waiting absorbs this one.
    options.queue
      .enqueue('sync-source', { sourceId }, { jobId: syncSourceJobId(sourceId) })
      .catch((error: unknown) => log.warn({ err: error, sourceId }, 'folder change not queued'));
  };

  function stop(sourceId: string): void {
    const entry = watched.get(sourceId);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.watcher.close();
    watched.delete(sourceId);
  }

  function start(sourceId: string, folder: string): void {
    let watcher: FSWatcher;
    try {
      // Node's recursive watcher does not always throw for a missing folder: look first.
      if (!statSync(folder).isDirectory()) throw new Error(`${folder} is not a folder`);
      watcher = watch(folder, { recursive: true, persistent: false });
    } catch (error) {
      log.info({ err: error, sourceId, folder }, 'folder not watched: the scheduled rescan keeps it in sync');
      return;
    }
    const entry: Watched = { folder, watcher, timer: null };
    watcher.on('change', (_event, name) => {
      // Hidden files (editors' swap files, .DS_Store) are never indexed: not worth a run.
      const changed = typeof name === 'string' ? name : (name?.toString() ?? '');
      if (changed.split(path.sep).some((part) => part.startsWith('.'))) return;
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = setTimeout(() => {
        entry.timer = null;
        queueSync(sourceId);
      }, debounceMs);
    });
    watcher.on('error', (error) => {
      log.info(
        { err: error, sourceId, folder },
        'folder watch stopped: the scheduled rescan keeps it in sync',
      );
      stop(sourceId);
    });
    watched.set(sourceId, entry);
  }

  async function refresh(): Promise<void> {
    if (closed) return;
    const wanted = new Map<string, string>();
    for (const source of await options.sources.list()) {
      const folder = source.kind === 'folder' && !source.paused ? source.config.path : null;
      if (typeof folder === 'string') wanted.set(source.id, path.resolve(folder));
    }
    if (closed) return;
    for (const [sourceId, entry] of watched) {
      if (wanted.get(sourceId) !== entry.folder) stop(sourceId);
    }
    for (const [sourceId, folder] of wanted) if (!watched.has(sourceId)) start(sourceId, folder);
  }

  const refreshing = setInterval(() => {
    refresh().catch((error: unknown) => log.warn({ err: error }, 'folder sources not read'));
  }, options.refreshMs ?? 30_000);
  refreshing.unref();

  return {
    refresh,
    watching: () => [...watched.keys()],
    close() {
      closed = true;
      clearInterval(refreshing);
      for (const sourceId of [...watched.keys()]) stop(sourceId);
    },
  };
}
