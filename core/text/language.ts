/**
 * Which language a piece of text is written in, told from its scripts: what chat replies, the answerer
 * and the analyzer use to follow the asker. Hangul means Korean even beside Hanja or Latin words
 * ("VPN 접속 방법" is Korean); kana means Japanese; Han alone means Chinese; otherwise Latin, Cyrillic,
 * Greek… are reported by script and the caller falls back to its own default (the platform's locale).
 */

/** BCP 47 primary language subtags this module can name. */
export type DetectedLanguage = 'ko' | 'ja' | 'zh' | 'en' | 'ru' | 'el';

const HANGUL = /[\p{Script=Hangul}]/gu;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/gu;
const HAN = /[\p{Script=Han}]/gu;
const LATIN = /[\p{Script=Latin}]/gu;
const CYRILLIC = /[\p{Script=Cyrillic}]/gu;
const GREEK = /[\p{Script=Greek}]/gu;

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

/**
 * The language of `text`, or undefined when it has no letters to go by ("123?", an emoji).
 * Latin script is reported as English: telling English from German or French needs more than
 * scripts, and English is what such a guess is used for (which catalogue to answer in).
 */
export function detectLanguage(text: string): DetectedLanguage | undefined {
  const sample = text.length > 4000 ? text.slice(0, 4000) : text;
  const hangul = count(sample, HANGUL);
  const kana = count(sample, KANA);
  const han = count(sample, HAN);
  // A few Hangul syllables carry a sentence: Korean questions often hold English product names.
  if (hangul > 0 && hangul >= kana) return 'ko';
  if (kana > 0) return 'ja';
  if (han > 0) return 'zh';
  const latin = count(sample, LATIN);
  const cyrillic = count(sample, CYRILLIC);
  const greek = count(sample, GREEK);
  const most = Math.max(latin, cyrillic, greek);
  if (most === 0) return undefined;
  if (most === cyrillic) return 'ru';
  if (most === greek) return 'el';
  return 'en';
}
