import { describe, expect, it } from 'vitest';
import { decodeText } from './decode-text.ts';
import { encodeLegacy, unprocessable, utf8 } from './test-helpers.ts';

const KOREAN = '출장 규정: 서울 출장 일비는 하루 3만 원이며, 숙박비는 실비로 정산합니다.';
const JAPANESE = '出張規程：東京への出張の日当は一日五千円です。宿泊費は別途精算します。';
const CHINESE = '出差规定：到北京出差的每日津贴是三百元，住宿费用另行报销。';

function utf16(text: string, order: 'le' | 'be', bom: boolean): Uint8Array {
  const bytes: number[] = bom ? (order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]) : [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (order === 'le') bytes.push(unit & 0xff, unit >> 8);
    else bytes.push(unit >> 8, unit & 0xff);
  }
  return new Uint8Array(bytes);
}

describe('decodeText', () => {
  it('reads UTF-8 with or without a byte-order mark', () => {
    expect(decodeText(utf8(KOREAN))).toBe(KOREAN);
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(KOREAN)]))).toBe(KOREAN);
  });

  it('reads UTF-16 in either byte order, with or without a byte-order mark', () => {
    for (const text of [KOREAN, 'Plain English text, saved as Unicode by Notepad.']) {
      expect(decodeText(utf16(text, 'le', true))).toBe(text);
      expect(decodeText(utf16(text, 'be', true))).toBe(text);
      expect(decodeText(utf16(text, 'le', false))).toBe(text);
      expect(decodeText(utf16(text, 'be', false))).toBe(text);
    }
  });

  it('tells CP949/EUC-KR, Shift_JIS and GB18030 apart and decodes each', () => {
    expect(decodeText(encodeLegacy(KOREAN, 'cp949'))).toBe(KOREAN);
    expect(decodeText(encodeLegacy(JAPANESE, 'shift_jis'))).toBe(JAPANESE);
    expect(decodeText(encodeLegacy(CHINESE, 'gb18030'))).toBe(CHINESE);
    // Short texts too: a one-line memo.
    expect(decodeText(encodeLegacy('연차 휴가 안내', 'cp949'))).toBe('연차 휴가 안내');
    // CP949's extension beyond EUC-KR (syllables like "똠", "뷁") decodes as well.
    expect(decodeText(encodeLegacy('똠양꿍 메뉴는 회사 식당에 있습니다', 'cp949'))).toBe(
      '똠양꿍 메뉴는 회사 식당에 있습니다',
    );
  });

  it('still reads Windows-1252', () => {
    const cp1252 = new Uint8Array([0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x35, 0x20, 0x93, 0x4d, 0xfc, 0x94]);
    expect(decodeText(cp1252)).toBe('Café €5 “Mü”');
  });

  it('honours an HTML page’s own meta charset', () => {
    const page = `<html><head><meta charset="euc-kr"><title>규정</title></head><body>${KOREAN} 똠양꿍</body></html>`;
    expect(decodeText(encodeLegacy(page, 'cp949'), 'HTML file', { html: true })).toBe(page);
    const old = `<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"><p>${JAPANESE}</p>`;
    expect(decodeText(encodeLegacy(old, 'shift_jis'), 'HTML file', { html: true })).toBe(old);
    // A page saved as UTF-8 whose meta still names the old charset is read as UTF-8.
    const resaved = `<meta charset="euc-kr"><p>${KOREAN}</p>`;
    expect(decodeText(utf8(resaved), 'HTML file', { html: true })).toBe(resaved);
  });

  it('refuses bytes it cannot read instead of indexing mojibake', async () => {
    // Random high bytes: valid in no encoding offered, or only as gibberish.
    const noise = new Uint8Array(400).map((_, i) => 0x80 + ((i * 37 + (i >> 3) * 11) % 0x7f));
    const error = await unprocessable(() => decodeText(noise, 'text file'));
    expect(error.message).toContain('Save it as UTF-8');
    const binary = await unprocessable(() =>
      decodeText(new Uint8Array([0x25, 0x50, 0x00, 0x01, 0x02, 0x03])),
    );
    expect(binary.message).toContain('binary data');
  });
});
