import iconv from 'iconv-lite';
import { UnprocessableDocumentError } from '../errors.ts';

/**
 * Bytes of a text-based upload (plain text, Markdown, HTML, CSV) → string. In order:
 * - a byte-order mark: UTF-8, UTF-16LE/BE (Windows Notepad's "Unicode");
 * - UTF-16 without a mark, told by its zero bytes (ASCII text in UTF-16 has one in every pair);
 * - HTML's own `<meta charset>` (or http-equiv Content-Type), when it decodes cleanly;
 * - valid UTF-8;
 * - the legacy encodings Korean, Japanese and Chinese Windows tools still write (CP949/EUC-KR, Shift_JIS,
 *   GB18030), each decoded strictly and scored by how many of the characters it yields are that
 *   language's everyday ones (a CP949 file also decodes "validly" as GB18030, into rare Han characters);
 * - Windows-1252 (older Excel and Windows tools in the West), when what it yields looks like text.
 * Anything else is refused with the reason rather than indexed as mojibake. The legacy encodings go through
 * iconv-lite: Node's TextDecoder('euc-kr') (ICU 78) is plain EUC-KR, not CP949: it passes CP949's 8,822
 * extra syllables ("똠", "뷁") through as C1 control characters instead of decoding them, even when fatal.
 */

export interface DecodeTextOptions {
  /** The bytes are HTML: a `<meta charset>` in its first 1,024 bytes is honoured. */
  readonly html?: boolean;
}

/** Encodings tried, strictly, for bytes that are not UTF-8; ties go to the earlier one. */
const LEGACY_CJK = ['cp949', 'shift_jis', 'gb18030'] as const;
type LegacyCjk = (typeof LEGACY_CJK)[number];

/** Everyday Hangul syllables (particles, endings, the commonest word parts). */
const KOREAN_FREQUENT = new Set(
  '이의는에을를가다하고한서지로기사수리으니도시대인자어아일정적해나들주게부전상보있것와과요습니면제원동안경우업무회장관계방법년월또및할된된되었했합니다'.split(
    '',
  ),
);
/** Everyday Chinese characters (the commonest hundred or so in modern text, simplified and traditional). */
const CHINESE_FREQUENT = new Set(
  '的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应向头文体政美相见被利什二等产或新己制身果加西月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直资命山金指许统区保至队形社便空决治展科司五基书非则白界达光放强即像难且权思王象完设式色路记南品住告类求据程北边该交规万取格望觉术领共确传师观清今切院让识候带导争运步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具字爱流备调深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显们國會們這個時來說過發後對學動現當體開點關樣經業'.split(
    '',
  ),
);
const HIRAGANA_OR_KATAKANA = /[\u3041-\u309f\u30a0-\u30ff]/u;
const NON_ASCII = /[^\p{ASCII}]/gu;
/** What Windows-1252 text outside ASCII mostly is: accented letters and typographic punctuation. */
const WESTERN_TEXT = /[\p{Script=Latin}‘’“”–—…•€£¥©®°±·×÷§¶\u00a0]/u;

function plausibility(text: string, encoding: LegacyCjk): number {
  let total = 0;
  let everyday = 0;
  for (const [char] of text.matchAll(NON_ASCII)) {
    total++;
    if (
      encoding === 'cp949'
        ? KOREAN_FREQUENT.has(char)
        : encoding === 'shift_jis'
          ? HIRAGANA_OR_KATAKANA.test(char)
          : CHINESE_FREQUENT.has(char)
    ) {
      everyday++;
    }
  }
  return total === 0 ? 0 : everyday / total;
}

/** Below this share of everyday characters a strict decode is a coincidence, not the file's encoding. */
const MIN_PLAUSIBILITY = 0.15;

/** A character no real text holds: replacement for an invalid sequence, or a C1 control. */
const UNDECODED = /[\ufffd\u0080-\u009f]/u;

function tryLegacy(encoding: LegacyCjk, bytes: Uint8Array): string | undefined {
  const text = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), encoding);
  return UNDECODED.test(text) ? undefined : text;
}

function tryDecode(encoding: string, bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Control characters text files do not hold (tab, line feed, form feed and carriage return aside). */
function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d) return true;
  }
  return false;
}

const META_CHARSET = /<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)/iu;

function declaredHtmlCharset(bytes: Uint8Array): string | undefined {
  const head = new TextDecoder('windows-1252').decode(bytes.subarray(0, 1024));
  const label = META_CHARSET.exec(head)?.[1];
  if (label === undefined) return undefined;
  try {
    // Validates the label and resolves aliases ("ks_c_5601-1987" → euc-kr, "x-sjis" → shift_jis).
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

/** UTF-16 without a byte-order mark: zero bytes on one side of most pairs, none on the other. */
function utf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes.length < 8 || bytes.length % 2 !== 0) return undefined;
  const n = Math.min(bytes.length, 4096);
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros >= pairs * 0.3 && evenZeros <= pairs * 0.02) return 'utf-16le';
  if (evenZeros >= pairs * 0.3 && oddZeros <= pairs * 0.02) return 'utf-16be';
  return undefined;
}

function binaryError(what: string): UnprocessableDocumentError {
  return new UnprocessableDocumentError(
    `This ${what} does not look like text: it contains binary data. Upload a PDF, DOCX, HTML, Markdown, plain text or CSV file.`,
  );
}

export function decodeText(bytes: Uint8Array, what = 'file', options: DecodeTextOptions = {}): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decodeStrict('utf-16le', bytes.subarray(2), what);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decodeStrict('utf-16be', bytes.subarray(2), what);
  const sixteen = utf16WithoutBom(bytes);
  const sixteenText = sixteen === undefined ? undefined : tryDecode(sixteen, bytes);
  if (sixteenText !== undefined && !hasControlCharacters(sixteenText)) return sixteenText;

  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  if (body.includes(0)) throw binaryError(what);

  if (options.html) {
    const declared = declaredHtmlCharset(body);
    // A page saved as UTF-8 whose meta still names its old charset is common: a wrong claim is ignored.
    const text =
      declared === undefined
        ? undefined
        : declared === 'euc-kr'
          ? tryLegacy('cp949', body)
          : tryDecode(declared, body);
    if (text !== undefined) return text;
  }
  const utf8 = tryDecode('utf-8', body);
  if (utf8 !== undefined) return utf8;

  let best: { text: string; score: number } | undefined;
  for (const encoding of LEGACY_CJK) {
    const text = tryLegacy(encoding, body);
    if (text === undefined) continue;
    const score = plausibility(text, encoding);
    if (score >= MIN_PLAUSIBILITY && (best === undefined || score > best.score)) best = { text, score };
  }
  if (best !== undefined) return best.text;

  const western = new TextDecoder('windows-1252').decode(body);
  const outside = [...western.matchAll(NON_ASCII)].map(([char]) => char);
  const letters = outside.filter((char) => WESTERN_TEXT.test(char)).length;
  if (letters >= outside.length * 0.8) return western;
  throw new UnprocessableDocumentError(
    `This ${what} could not be read: its text encoding is not one ex-GPT recognises (UTF-8, UTF-16, CP949/EUC-KR, Shift_JIS, GB18030 or Windows-1252). Save it as UTF-8 and upload it again.`,
  );
}

function decodeStrict(encoding: 'utf-16le' | 'utf-16be', bytes: Uint8Array, what: string): string {
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new UnprocessableDocumentError(`This ${what} could not be read: its text encoding is damaged.`, {
      cause: error,
    });
  }
  if (text.includes('\u0000')) throw binaryError(what);
  return text;
}
