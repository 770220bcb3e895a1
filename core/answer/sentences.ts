/**
 * Sentence splitting for quoting: good enough for policy documents, manuals and chat-ish text.
 * Periods after abbreviations ("e.g.", "Dr.", "No. 5"), initials ("J. Smith") and inside numbers ("3.5")
 * do not end a sentence; list items, headings and table rows are units of their own even without punctuation.
 */
const ABBREVIATIONS: ReadonlySet<string> = new Set([
  'e.g',
  'i.e',
  'eg',
  'ie',
  'cf',
  'vs',
  'viz',
  'approx',
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'mt',
  'inc',
  'ltd',
  'co',
  'corp',
  'dept',
  'ed',
  'est',
  'min',
  'max',
  'a.m',
  'p.m',
  'u.s',
  'u.k',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
]);

/** Abbreviations that only precede a number ("No. 5", "p. 12"); elsewhere "no." ends a sentence. */
const NUMBER_ABBREVIATIONS: ReadonlySet<string> = new Set([
  'no',
  'nos',
  'nr',
  'fig',
  'figs',
  'ch',
  'sec',
  'art',
  'para',
  'p',
  'pp',
  'vol',
]);

const LIST_MARKER = /^\s*(?:[-*+•·▪◦]|\d{1,3}[.)]|[a-z]\)|#{1,6})\s+/;
const UNIT_START = /^\s*(?:[-*+•·▪◦]\s|\d{1,3}[.)]\s|#{1,6}\s|\|)/;
const STANDALONE_LINE = /^\s*(?:#{1,6}\s|\|)/;
/** A run of terminal punctuation (with closing quotes/brackets), then space, then what can open a sentence. */
const BOUNDARY = /[.!?…]+["'”’)\]]*(?=\s+["'“‘([]?[\p{Lu}\p{N}])/gu;

/** Splits `text` into sentences, trimmed, list markers and heading hashes removed, empty ones dropped. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const unit of splitUnits(text)) {
    for (const sentence of splitUnit(unit.replace(LIST_MARKER, ''))) {
      const clean = sentence.replace(/\s+/g, ' ').trim();
      if (/[\p{L}\p{N}]/u.test(clean)) out.push(clean);
    }
  }
  return out;
}

/** Paragraphs, list items, headings and table rows; hard-wrapped lines of one paragraph are re-joined. */
function splitUnits(text: string): string[] {
  const units: string[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    let current = '';
    let currentStandalone = false;
    for (const line of block.split('\n')) {
      if (line.trim() === '') continue;
      if (current !== '' && (UNIT_START.test(line) || currentStandalone)) {
        units.push(current);
        current = '';
      }
      current = current === '' ? line.trim() : `${current} ${line.trim()}`;
      currentStandalone = STANDALONE_LINE.test(line);
    }
    if (current !== '') units.push(current);
  }
  return units;
}

function splitUnit(unit: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of unit.matchAll(BOUNDARY)) {
    const end = match.index + match[0].length;
    const next = unit.slice(end).trimStart();
    if (match[0] === '.' && !endsSentence(unit.slice(start, match.index), next)) {
      continue;
    }
    sentences.push(unit.slice(start, end));
    start = end;
  }
  sentences.push(unit.slice(start));
  return sentences;
}

/** Whether a single period after `before` ends a sentence (not an abbreviation or an initial). */
function endsSentence(before: string, after: string): boolean {
  const token = /(\S+)$/.exec(before)?.[1] ?? '';
  const word = token.replace(/^["'“‘([]+/, '').toLowerCase();
  if (word === '') return true;
  if (ABBREVIATIONS.has(word)) return false;
  if (NUMBER_ABBREVIATIONS.has(word) && /^\p{N}/u.test(after)) return false;
  // An initial ("J. Smith") or a dotted abbreviation such as "U.S" / "a.m".
  if (/^\p{L}$/u.test(word) || /^(?:\p{L}\.)+\p{L}$/u.test(word)) return false;
  return true;
}
