import { describe, expect, it } from 'vitest';
import { parseText } from './parse-text.ts';
import { unprocessable, utf8 } from './test-helpers.ts';

describe('parseText', () => {
  it('splits paragraphs on blank lines and joins wrapped lines', () => {
    const doc = parseText(
      utf8('Office hours\nare 9 to 5.\n\n  \nParking is free\r\nfor staff.\r\n\r\nThe end.'),
    );
    expect(doc).toEqual({
      title: null,
      blocks: [
        { kind: 'paragraph', text: 'Office hours are 9 to 5.' },
        { kind: 'paragraph', text: 'Parking is free for staff.' },
        { kind: 'paragraph', text: 'The end.' },
      ],
    });
  });

  it('drops a UTF-8 BOM, reads UTF-16 with BOM and falls back to Windows-1252', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('Grüße')]);
    expect(parseText(bom).blocks).toEqual([{ kind: 'paragraph', text: 'Grüße' }]);

    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from('Café menu', 'utf16le')]);
    expect(parseText(utf16).blocks).toEqual([{ kind: 'paragraph', text: 'Café menu' }]);

    const cp1252 = new Uint8Array([0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x35]); // "Café €5"
    expect(parseText(cp1252).blocks).toEqual([{ kind: 'paragraph', text: 'Café €5' }]);
  });

  it('rejects binary data with NUL bytes as not text', async () => {
    const error = await unprocessable(() => parseText(new Uint8Array([0x48, 0x69, 0x00, 0x01, 0x02])));
    expect(error.message).toMatch(/does not look like text/);
  });

  it('reads a 10 MB single line as one paragraph', () => {
    const line = 'lorem ipsum dolor sit amet '.repeat(400_000);
    const doc = parseText(utf8(line));
    expect(doc.blocks).toHaveLength(1);
    expect(doc.blocks[0]?.kind === 'paragraph' && doc.blocks[0].text.length).toBe(line.trim().length);
  });
});
