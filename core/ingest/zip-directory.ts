import { inflateRawSync } from 'node:zlib';

/**
 * Just enough of the ZIP format to look inside an upload before handing it to a library:
 * the central directory (names and declared sizes) and size-capped inflation of single entries.
 * It lets detection tell a DOCX from any other zip, and lets the Office parsers refuse zip bombs
 * (`readZipWithinLimits`) before a library (mammoth's JSZip and the like) inflates anything into memory.
 */

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflate; anything else is unusual for Office files. */
  readonly method: number;
  readonly encrypted: boolean;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

/** Thrown for bytes that are not a readable zip; callers turn it into a user-facing message. */
export class ZipFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ZipFormatError';
  }
}

/**
 * Thrown when a zip would expand to more than a parser allows (in total or by ratio): a zip bomb, or a
 * document too large to process. Callers tell the uploader the file is too large, not damaged.
 */
export class ZipTooLargeError extends ZipFormatError {
  constructor(message: string) {
    super(message);
    this.name = 'ZipTooLargeError';
  }
}

export interface ZipLimits {
  /** The most all entries together may expand to, whatever their names. */
  readonly maxTotalBytes: number;
  /**
   * The most an entry may expand relative to its compressed size, once past `ratioGraceBytes`. Apache POI
   * refuses below 1 % (ratio 100) by default; real Office XML compresses 5-20×.
   */
  readonly maxRatio?: number;
  /** Entries up to this size are not held to the ratio (tiny parts compress absurdly well). Default 1 MB. */
  readonly ratioGraceBytes?: number;
  readonly maxEntries?: number;
}

/**
 * Reads the directory and proves every entry (whatever its name: a part may be referenced by any name
 * through the package's relationships) expands to what it declares, within the limits: the sum of the
 * declared sizes, each entry's ratio, and then each entry actually inflated under a byte cap (a header
 * that under-states its size fails here). One entry is inflated at a time and dropped, so checking costs
 * at most the largest entry's size in memory. Throws ZipTooLargeError for a bomb, ZipFormatError for a
 * damaged zip.
 */
export function readZipWithinLimits(bytes: Uint8Array, limits: ZipLimits): ZipEntry[] {
  const maxRatio = limits.maxRatio ?? 100;
  const grace = limits.ratioGraceBytes ?? 1024 * 1024;
  const entries = readZipDirectory(bytes, limits.maxEntries);
  let declared = 0;
  for (const entry of entries) {
    declared += entry.uncompressedSize;
    if (declared > limits.maxTotalBytes) {
      throw new ZipTooLargeError(`entries expand to more than ${limits.maxTotalBytes} bytes`);
    }
    if (entry.uncompressedSize > grace && entry.uncompressedSize > maxRatio * entry.compressedSize) {
      throw new ZipTooLargeError(`${entry.name} expands more than ${maxRatio} times`);
    }
  }
  for (const entry of entries) {
    if (!entry.encrypted) inflateEntry(bytes, entry, limits.maxTotalBytes);
  }
  return entries;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const MAX_COMMENT = 0xffff;

export function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function readZipDirectory(bytes: Uint8Array, maxEntries = 20_000): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || offset === 0xffffffff) {
    const zip64 = readZip64End(view, eocd);
    count = zip64.count;
    offset = zip64.offset;
  }
  if (count > maxEntries) throw new ZipFormatError(`too many entries (${count})`);

  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (offset + 46 > view.byteLength || view.getUint32(offset, true) !== CENTRAL_SIGNATURE) {
      throw new ZipFormatError('central directory is damaged');
    }
    const flags = view.getUint16(offset + 8, true);
    const method = view.getUint16(offset + 10, true);
    let compressedSize = view.getUint32(offset + 20, true);
    let uncompressedSize = view.getUint32(offset + 24, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    let localHeaderOffset = view.getUint32(offset + 42, true);
    const nameEnd = offset + 46 + nameLength;
    if (nameEnd + extraLength > view.byteLength) throw new ZipFormatError('central directory is damaged');
    const name = decoder.decode(bytes.subarray(offset + 46, nameEnd));

    // ZIP64: sizes that do not fit 32 bits live in extra field 0x0001, in this order, only when maxed out.
    if (
      compressedSize === 0xffffffff ||
      uncompressedSize === 0xffffffff ||
      localHeaderOffset === 0xffffffff
    ) {
      let extra = nameEnd;
      const extraEnd = nameEnd + extraLength;
      while (extra + 4 <= extraEnd) {
        const id = view.getUint16(extra, true);
        const size = view.getUint16(extra + 2, true);
        if (id === 0x0001) {
          let field = extra + 4;
          const read = (): number => {
            if (field + 8 > extraEnd) throw new ZipFormatError('zip64 field is damaged');
            const value = Number(view.getBigUint64(field, true));
            field += 8;
            return value;
          };
          if (uncompressedSize === 0xffffffff) uncompressedSize = read();
          if (compressedSize === 0xffffffff) compressedSize = read();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = read();
          break;
        }
        extra += 4 + size;
      }
    }

    entries.push({
      name,
      method,
      encrypted: (flags & 1) === 1,
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
    });
    offset = nameEnd + extraLength + commentLength;
  }
  return entries;
}

/**
 * Inflates one entry, refusing to produce more than `maxBytes` and more than the entry declares:
 * a header that under-states its size (the usual zip-bomb trick) fails here instead of in memory.
 */
export function inflateEntry(bytes: Uint8Array, entry: ZipEntry, maxBytes: number): Uint8Array {
  if (entry.uncompressedSize > maxBytes) {
    throw new ZipFormatError(`${entry.name} is larger than ${maxBytes} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.localHeaderOffset;
  if (local + 30 > view.byteLength || view.getUint32(local, true) !== LOCAL_SIGNATURE) {
    throw new ZipFormatError(`${entry.name}: local header is damaged`);
  }
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const end = start + entry.compressedSize;
  if (end > view.byteLength) throw new ZipFormatError(`${entry.name} is truncated`);
  const data = bytes.subarray(start, end);

  let output: Uint8Array;
  if (entry.method === 0) {
    output = data;
  } else if (entry.method === 8) {
    try {
      // maxOutputLength must be ≥ 1; an empty entry inflates to nothing anyway.
      output = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
    } catch (error) {
      throw new ZipFormatError(`${entry.name} does not decompress to its declared size`, { cause: error });
    }
  } else {
    throw new ZipFormatError(`${entry.name} uses unsupported compression method ${entry.method}`);
  }
  if (output.byteLength !== entry.uncompressedSize) {
    throw new ZipFormatError(`${entry.name} does not decompress to its declared size`);
  }
  return output;
}

function findEndOfCentralDirectory(view: DataView): number {
  const last = view.byteLength - 22;
  const first = Math.max(0, last - MAX_COMMENT);
  for (let at = last; at >= first; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) return at;
  }
  throw new ZipFormatError('end of central directory not found (file truncated?)');
}

function readZip64End(view: DataView, eocd: number): { count: number; offset: number } {
  const locator = eocd - 20;
  if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR_SIGNATURE) {
    throw new ZipFormatError('zip64 locator not found');
  }
  const end = Number(view.getBigUint64(locator + 8, true));
  if (end + 56 > view.byteLength || view.getUint32(end, true) !== ZIP64_EOCD_SIGNATURE) {
    throw new ZipFormatError('zip64 end record is damaged');
  }
  return {
    count: Number(view.getBigUint64(end + 32, true)),
    offset: Number(view.getBigUint64(end + 48, true)),
  };
}
