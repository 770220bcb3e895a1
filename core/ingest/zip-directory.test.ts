import { describe, expect, it } from 'vitest';
import { buildZip } from './fixtures/zip-builder.ts';
import { inflateEntry, readZipWithinLimits, ZipFormatError, ZipTooLargeError } from './zip-directory.ts';

const MB = 1024 * 1024;

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('readZipWithinLimits', () => {
  it('reads an ordinary zip with Korean entry names and every entry intact', () => {
    const bytes = buildZip([
      { name: 'word/document.xml', data: '<w:t>연차 휴가는 15일입니다.</w:t>' },
      { name: '미디어/사진.bin', data: new Uint8Array(4096).fill(7), store: true },
    ]);
    const entries = readZipWithinLimits(bytes, { maxTotalBytes: MB });
    expect(entries.map((entry) => entry.name)).toEqual(['word/document.xml', '미디어/사진.bin']);
    const text = new TextDecoder().decode(inflateEntry(bytes, entries[0]!, MB));
    expect(text).toBe('<w:t>연차 휴가는 15일입니다.</w:t>');
  });

  it('counts entries whatever their names: a .bin part expanding past the total is refused', () => {
    const bytes = buildZip([
      { name: 'word/document.xml', data: '<w:document/>' },
      { name: 'word/main.bin', data: 'a'.repeat(3 * MB), declaredSize: 3 * MB },
    ]);
    expect(
      thrownBy(() => readZipWithinLimits(bytes, { maxTotalBytes: 2 * MB, maxRatio: 10_000 })),
    ).toBeInstanceOf(ZipTooLargeError);
  });

  it('refuses an entry that expands more than the ratio allows, past the grace size', () => {
    // 8 MB of one letter deflates to ~8 KB: a ratio near 1,000.
    const bytes = buildZip([{ name: 'word/main.bin', data: 'a'.repeat(8 * MB) }]);
    const error = thrownBy(() => readZipWithinLimits(bytes, { maxTotalBytes: 160 * MB }));
    expect(error).toBeInstanceOf(ZipTooLargeError);
    expect((error as Error).message).toMatch(/expands more than 100 times/);
  });

  it('refuses an entry whose header under-states its size, whatever its name, without inflating it whole', () => {
    const bytes = buildZip([{ name: 'media/image1.png', data: ' '.repeat(16 * MB), declaredSize: 1024 }]);
    const error = thrownBy(() => readZipWithinLimits(bytes, { maxTotalBytes: 160 * MB }));
    expect(error).toBeInstanceOf(ZipFormatError);
    expect(error).not.toBeInstanceOf(ZipTooLargeError);
  });

  it('refuses more entries than allowed', () => {
    const bytes = buildZip(Array.from({ length: 30 }, (_, i) => ({ name: `part${i}.xml`, data: '<x/>' })));
    expect(thrownBy(() => readZipWithinLimits(bytes, { maxTotalBytes: MB, maxEntries: 20 }))).toBeInstanceOf(
      ZipFormatError,
    );
  });
});
