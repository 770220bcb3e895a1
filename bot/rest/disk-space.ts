/**
 * Uploads are refused while the disk holding DATA_DIR has less free space than MIN_FREE_DISK_MB: a file
 * is stored, then indexed at ~100-300× its text in database files, and a database that fills its disk
 * stops answering everyone. Questions go on; only new work is refused, with a reason an admin can act on.
 */
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '#core';

export interface DiskSpaceGuardOptions {
  readonly dir: string;
  readonly minFreeBytes: number;
  /** Injected in tests; node's statfs otherwise. */
  readonly freeBytes?: (dir: string) => Promise<number>;
}

async function statfsFreeBytes(dir: string): Promise<number> {
  // DATA_DIR may not exist yet (an in-memory database): the nearest existing parent is on the same disk.
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    try {
      const stats = await statfs(at);
      return stats.bavail * stats.bsize;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT' || path.dirname(at) === at) throw error;
    }
  }
}

const megabytes = (bytes: number) => `${Math.floor(bytes / 2 ** 20).toLocaleString('en-US')} MB`;

export function createDiskSpaceGuard(options: DiskSpaceGuardOptions): () => Promise<void> {
  const freeBytes = options.freeBytes ?? statfsFreeBytes;
  return async () => {
    if (options.minFreeBytes <= 0) return;
    const free = await freeBytes(options.dir);
    if (free < options.minFreeBytes) {
      throw new AppError(
        'unavailable',
        `Uploads are paused: the server is low on disk space (${megabytes(free)} free, ${megabytes(options.minFreeBytes)} needed). Ask an administrator to free space; questions are still answered.`,
        {
          expose: true,
          localized: {
            key: 'errors.lowDisk',
            values: { free: Math.floor(free / 2 ** 20), needed: Math.floor(options.minFreeBytes / 2 ** 20) },
          },
        },
      );
    }
  };
}
