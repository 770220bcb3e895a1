/**
 * The FileStore of the embedded database: uploaded files in DATA_DIR/files, named by their sha256
 * (`files/ab/ab12…`), so a 50 MB upload is written by the file system instead of through PGlite on the
 * thread that serves HTTP (28.7 s per 10 MB there). The directory and its subdirectories are 0700 and
 * the files 0600: they hold the company's documents.
 *
 * A file is received into `files/.staging/<pid>-<random>.part` (hashed while it streams in, fsynced),
 * then renamed under its hash just before the row that names it commits. A process killed in between
 * leaves a staged copy (removed by `removeAbandoned`, unless the process that wrote it still runs) or a
 * file no row names (removed by the repository's sweep, db/document-files.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError, type FileStore, type ReceivedFile } from '#core';

const STAGING = '.staging';
const SHA256 = /^[0-9a-f]{64}$/;
/** In-memory bytes are hashed and written in slices, so a 50 MB buffer never holds the thread for long. */
const SLICE_BYTES = 1 << 20;
/** A staged copy older than this is abandoned even if a process with its pid runs (pids are reused). */
const STAGED_MAX_AGE_MS = 24 * 60 * 60 * 1000;

interface Held {
  readonly staged: string;
  kept: boolean;
}

/** The sentence bot/rest/documents-route.ts gives for a file over MAX_UPLOAD_BYTES, in the caller's language. */
export function tooLargeError(filename: string | undefined, limit: number): AppError {
  const name = filename ?? 'upload';
  return new AppError(
    'payload_too_large',
    `${name} is larger than the upload limit of ${(limit / 1024 / 1024).toFixed(0)} MB.`,
    {
      localized: {
        key: 'errors.fileTooLarge',
        values: { filename: name, megabytes: Math.round(limit / 1024 / 1024) },
      },
    },
  );
}

function isMissing(error: unknown): boolean {
  return (error as { code?: string }).code === 'ENOENT';
}

async function ignoreMissing(operation: Promise<unknown>): Promise<void> {
  await operation.catch((error: unknown) => {
    if (!isMissing(error)) throw error;
  });
}

/** A rename is durable only once its directory is synced. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function privateDirectory(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

export function createDirectoryFileStore(root: string): FileStore {
  const held = new WeakMap<ReceivedFile, Held>();
  /** Staged paths of this process's receptions still in progress or not yet kept/discarded. */
  const active = new Set<string>();
  let ready: Promise<void> | null = null;
  const prepare = () => {
    ready ??= (async () => {
      await privateDirectory(root);
      await privateDirectory(path.join(root, STAGING));
    })().catch((error: unknown) => {
      ready = null;
      throw error;
    });
    return ready;
  };
  const finalPath = (sha256: string) => {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256.slice(0, 80)}`);
    return path.join(root, sha256.slice(0, 2), sha256);
  };

  return {
    kind: 'directory',

    async receive(source, options = {}) {
      await prepare();
      const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
      const staged = path.join(root, STAGING, `${process.pid}-${randomBytes(8).toString('hex')}.part`);
      active.add(staged);
      const hash = createHash('sha256');
      let size = 0;
      const handle = await fs.open(staged, 'wx', 0o600);
      try {
        const take = async (chunk: Uint8Array) => {
          size += chunk.byteLength;
          if (size > maxBytes) throw tooLargeError(options.filename, maxBytes);
          hash.update(chunk);
          await handle.write(chunk);
        };
        if (source instanceof Uint8Array) {
          for (let at = 0; at < source.byteLength; at += SLICE_BYTES) {
            await take(source.subarray(at, at + SLICE_BYTES));
          }
        } else {
          for await (const chunk of source) await take(chunk);
        }
        await handle.sync();
      } catch (error) {
        await handle.close().catch(() => {});
        active.delete(staged);
        await ignoreMissing(fs.unlink(staged));
        throw error;
      }
      await handle.close();
      const file: ReceivedFile = {
        sha256: hash.digest('hex'),
        sizeBytes: size,
        async discard() {
          const entry = held.get(file);
          if (!entry || entry.kept) return;
          held.delete(file);
          active.delete(entry.staged);
          await ignoreMissing(fs.unlink(entry.staged));
        },
      };
      held.set(file, { staged, kept: false });
      return file;
    },

    async keep(file) {
      const entry = held.get(file);
      const target = finalPath(file.sha256);
      if (!entry) throw new Error('keep: this file was not received by this store, or was discarded');
      if (entry.kept) {
        // Kept by an earlier attempt whose transaction was rolled back (a group commit retried singly).
        await fs.access(target);
        return null;
      }
      const dir = path.dirname(target);
      await privateDirectory(dir);
      // Same name, same bytes: replacing a file another document holds changes nothing for it.
      await fs.rename(entry.staged, target);
      entry.kept = true;
      active.delete(entry.staged);
      await syncDirectory(dir);
      return null;
    },

    async read(sha256) {
      try {
        return await fs.readFile(finalPath(sha256));
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },

    async remove(sha256) {
      await ignoreMissing(fs.unlink(finalPath(sha256)));
    },

    async list() {
      await prepare();
      const hashes: string[] = [];
      for (const shard of await fs.readdir(root)) {
        if (!/^[0-9a-f]{2}$/.test(shard)) continue;
        const names = await fs.readdir(path.join(root, shard)).catch(() => [] as string[]);
        for (const name of names) if (SHA256.test(name) && name.startsWith(shard)) hashes.push(name);
      }
      return hashes;
    },

    async removeAbandoned() {
      await prepare();
      const dir = path.join(root, STAGING);
      let removed = 0;
      for (const name of await fs.readdir(dir)) {
        const staged = path.join(dir, name);
        if (active.has(staged)) continue;
        const pid = Number(/^(\d+)-/.exec(name)?.[1]);
        // Ours but not in hand: left by an earlier process with our pid (a container's pid 1, restarted).
        let abandoned = !Number.isInteger(pid) || pid === process.pid || !processRuns(pid);
        if (!abandoned) {
          const stat = await fs.stat(staged).catch(() => null);
          abandoned = stat !== null && Date.now() - stat.mtimeMs > STAGED_MAX_AGE_MS;
        }
        if (!abandoned) continue;
        await ignoreMissing(fs.unlink(staged));
        removed += 1;
      }
      return removed;
    },
  };
}
