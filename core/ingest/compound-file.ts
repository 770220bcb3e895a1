/**
 * Just enough of the Compound File Binary format ([MS-CFB], the container of HWP 5.0 and Outlook .msg)
 * to list its streams and read them, written to survive hostile files: every sector chain is followed
 * with a visited set (a cycle is an error, not an endless loop), every sector number is range-checked,
 * and the directory tree walk refuses revisits. Readers of the formats inside build on `streams`.
 */

/** Thrown for bytes that are not a readable compound file; callers turn it into a user-facing message. */
export class CompoundFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompoundFileError';
  }
}

const SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const END_OF_CHAIN = 0xfffffffe;
const FREE = 0xffffffff;
const NO_STREAM = 0xffffffff;
const MAX_DIRECTORY_ENTRIES = 100_000;

export interface CompoundFile {
  /** Stream paths, `/`-separated from the root ("BodyText/Section0", "__attach_version1.0_#00000000/…"). */
  readonly paths: readonly string[];
  /** The stream's bytes, or null when there is no such stream. Throws CompoundFileError when damaged. */
  read(path: string): Uint8Array | null;
}

export function isCompoundFile(bytes: Uint8Array): boolean {
  return SIGNATURE.every((byte, i) => bytes[i] === byte);
}

interface Entry {
  readonly name: string;
  readonly type: number;
  readonly left: number;
  readonly right: number;
  readonly child: number;
  readonly start: number;
  readonly size: number;
}

/** Reads the header, FAT, directory and mini stream; streams are read lazily by `read`. */
export function readCompoundFile(bytes: Uint8Array): CompoundFile {
  if (!isCompoundFile(bytes) || bytes.byteLength < 512) throw new CompoundFileError('not a compound file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sectorShift = view.getUint16(30, true);
  const miniShift = view.getUint16(32, true);
  if ((sectorShift !== 9 && sectorShift !== 12) || miniShift !== 6) {
    throw new CompoundFileError('unsupported sector size');
  }
  const sectorSize = 1 << sectorShift;
  const sectorCount = Math.ceil((bytes.byteLength - sectorSize) / sectorSize);
  const fatSectorCount = view.getUint32(44, true);
  const directoryStart = view.getUint32(48, true);
  const miniCutoff = view.getUint32(56, true);
  const miniFatStart = view.getUint32(60, true);
  const difatStart = view.getUint32(68, true);

  const sectorAt = (sector: number): Uint8Array => {
    const start = (sector + 1) * sectorSize;
    if (sector >= sectorCount) {
      throw new CompoundFileError(`sector ${sector} is outside the file (truncated?)`);
    }
    return bytes.subarray(start, Math.min(start + sectorSize, bytes.byteLength));
  };

  // The FAT's own sectors: 109 in the header, the rest in a chain of DIFAT sectors.
  const fatSectors: number[] = [];
  for (let i = 0; i < 109 && fatSectors.length < fatSectorCount; i++)
    fatSectors.push(view.getUint32(76 + 4 * i, true));
  const seenDifat = new Set<number>();
  for (let sector = difatStart; fatSectors.length < fatSectorCount && sector < END_OF_CHAIN; ) {
    if (seenDifat.has(sector)) throw new CompoundFileError('the sector chain loops');
    seenDifat.add(sector);
    const data = sectorAt(sector);
    const difat = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const perSector = sectorSize / 4 - 1;
    for (let i = 0; i < perSector && fatSectors.length < fatSectorCount; i++) {
      fatSectors.push(difat.getUint32(4 * i, true));
    }
    sector = difat.getUint32(4 * perSector, true);
  }
  const fat = new Uint32Array(fatSectors.length * (sectorSize / 4));
  fatSectors.forEach((sector, i) => {
    const data = sectorAt(sector);
    const table = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let j = 0; j * 4 + 4 <= data.byteLength; j++)
      fat[i * (sectorSize / 4) + j] = table.getUint32(j * 4, true);
  });

  /** Sector numbers of the chain from `start`; a loop or a sector past the table is damage, not data. */
  const chain = (table: Uint32Array, start: number, limit: number): number[] => {
    const sectors: number[] = [];
    const seen = new Set<number>();
    for (let sector = start; sector !== END_OF_CHAIN; ) {
      if (sector === FREE || sector >= table.length || sector >= limit) {
        throw new CompoundFileError('a sector chain points outside the file');
      }
      if (seen.has(sector)) throw new CompoundFileError('the sector chain loops');
      seen.add(sector);
      sectors.push(sector);
      sector = table[sector] ?? END_OF_CHAIN;
    }
    return sectors;
  };
  const readChain = (start: number, size: number): Uint8Array => {
    const sectors = chain(fat, start, sectorCount);
    if (sectors.length * sectorSize < size) throw new CompoundFileError('a stream is truncated');
    const out = new Uint8Array(size);
    let at = 0;
    for (const sector of sectors) {
      if (at >= size) break;
      const data = sectorAt(sector).subarray(0, size - at);
      out.set(data, at);
      at += data.byteLength;
    }
    return out;
  };

  const directoryBytes = chain(fat, directoryStart, sectorCount).flatMap((sector) => {
    const data = sectorAt(sector);
    return Array.from({ length: Math.floor(data.byteLength / 128) }, (_, i) =>
      data.subarray(i * 128, i * 128 + 128),
    );
  });
  if (directoryBytes.length > MAX_DIRECTORY_ENTRIES)
    throw new CompoundFileError('too many directory entries');
  const entries: Entry[] = directoryBytes.map((raw) => {
    const entry = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const nameLength = Math.min(64, entry.getUint16(64, true));
    return {
      name: new TextDecoder('utf-16le').decode(raw.subarray(0, Math.max(0, nameLength - 2))),
      type: entry.getUint8(66),
      left: entry.getUint32(68, true),
      right: entry.getUint32(72, true),
      child: entry.getUint32(76, true),
      start: entry.getUint32(116, true),
      size: entry.getUint32(120, true),
    };
  });
  const root = entries[0];
  if (root === undefined || root.type !== 5) throw new CompoundFileError('the root entry is missing');

  // Small streams live in the mini stream (the root entry's data), cut in 64-byte mini sectors.
  let mini: { stream: Uint8Array; fat: Uint32Array } | null = null;
  const miniStream = (): { stream: Uint8Array; fat: Uint32Array } => {
    if (mini !== null) return mini;
    const fatBytes =
      miniFatStart >= END_OF_CHAIN
        ? new Uint8Array(0)
        : readChain(miniFatStart, chain(fat, miniFatStart, sectorCount).length * sectorSize);
    const table = new DataView(fatBytes.buffer, fatBytes.byteOffset, fatBytes.byteLength);
    const miniFat = new Uint32Array(fatBytes.byteLength / 4);
    for (let i = 0; i < miniFat.length; i++) miniFat[i] = table.getUint32(i * 4, true);
    mini = {
      stream: root.start >= END_OF_CHAIN ? new Uint8Array(0) : readChain(root.start, root.size),
      fat: miniFat,
    };
    return mini;
  };

  // The directory is a red-black tree per storage; walk it with a visited set so a cycle cannot hang us.
  const streams = new Map<string, Entry>();
  const visited = new Set<number>();
  const walk = (index: number, prefix: string): void => {
    const pending = [index];
    while (pending.length > 0) {
      const current = pending.pop() ?? NO_STREAM;
      if (current === NO_STREAM) continue;
      const entry = entries[current];
      if (entry === undefined) throw new CompoundFileError('the directory points outside itself');
      if (visited.has(current)) throw new CompoundFileError('the directory loops');
      visited.add(current);
      pending.push(entry.left, entry.right);
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.type === 2) streams.set(path, entry);
      else if (entry.type === 1) walk(entry.child, path);
    }
  };
  visited.add(0);
  walk(root.child, '');

  return {
    paths: [...streams.keys()],
    read(path) {
      const entry = streams.get(path);
      if (entry === undefined) return null;
      if (entry.size > bytes.byteLength) throw new CompoundFileError('a stream declares an impossible size');
      if (entry.size >= miniCutoff) return readChain(entry.start, entry.size);
      const { stream, fat: miniFat } = miniStream();
      const sectors = chain(miniFat, entry.start, Math.ceil(stream.byteLength / 64));
      if (sectors.length * 64 < entry.size) throw new CompoundFileError('a stream is truncated');
      const out = new Uint8Array(entry.size);
      sectors.forEach((sector, i) => {
        const part = stream
          .subarray(sector * 64, sector * 64 + 64)
          .subarray(0, Math.max(0, entry.size - i * 64));
        out.set(part, i * 64);
      });
      return out;
    },
  };
}
