/**
 * The FileStore used with DATABASE_URL: a file's bytes go into its `document_files` row, where workers
 * on other hosts read them. Nothing is held outside the database, so there is nothing to sweep.
 */
import { createHash } from 'node:crypto';
import type { FileStore, ReceivedFile } from '#core';
import { tooLargeError } from './directory-file-store.ts';

export function createDatabaseFileStore(): FileStore {
  const held = new WeakMap<ReceivedFile, Uint8Array>();
  return {
    kind: 'database',
    async receive(source, options = {}) {
      const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
      let bytes: Uint8Array;
      if (source instanceof Uint8Array) {
        bytes = source;
      } else {
        const parts: Uint8Array[] = [];
        let size = 0;
        for await (const chunk of source) {
          size += chunk.byteLength;
          if (size > maxBytes) throw tooLargeError(options.filename, maxBytes);
          parts.push(chunk);
        }
        bytes = Buffer.concat(parts);
      }
      if (bytes.byteLength > maxBytes) throw tooLargeError(options.filename, maxBytes);
      const file: ReceivedFile = {
        sha256: createHash('sha256').update(bytes).digest('hex'),
        sizeBytes: bytes.byteLength,
        discard: async () => {
          held.delete(file);
        },
      };
      held.set(file, bytes);
      return file;
    },
    async keep(file) {
      const bytes = held.get(file);
      if (!bytes) throw new Error('keep: this file was not received by this store, or was discarded');
      return bytes;
    },
    // Rows carry their bytes; there are no files to read, remove or list.
    read: async () => null,
    remove: async () => {},
    list: async () => [],
    removeAbandoned: async () => 0,
  };
}
