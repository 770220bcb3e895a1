/**
 * Sentences to quote: layout first (paragraphs, list items, headings and table rows are units of their own,
 * hard-wrapped lines re-joined), then the shared segmenter within each unit, which works in every language.
 */
import { segmentSentences } from '../text/sentences.ts';

const LIST_MARKER = /^\s*(?:[-*+•·▪◦]|\d{1,3}[.)]|[a-z]\)|#{1,6})\s+/;
/**
 * A table row as the parsers render it (parsed-document.ts renderTableRow): "직급: 부장; 일비: 7만원". Each
 * row is a unit of its own, so one row can be quoted instead of a sheet read as one endless sentence.
 */
const TABLE_ROW = /^\s*[^:;\n]{1,80}: [^;\n]*(?:; [^:;\n]{1,80}: [^;\n]*)+\s*$/;
const UNIT_START = /^\s*(?:[-*+•·▪◦]\s|\d{1,3}[.)]\s|#{1,6}\s|\|)/;
const STANDALONE_LINE = /^\s*(?:#{1,6}\s|\|)/;
/** Whether `text` is one rendered table row with its headers: a record that can answer on its own. */
export const isRecordRow = (text: string): boolean => TABLE_ROW.test(text);
const startsUnit = (line: string) => UNIT_START.test(line) || TABLE_ROW.test(line);
const standsAlone = (line: string) => STANDALONE_LINE.test(line) || TABLE_ROW.test(line);
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
      if (current !== '' && (startsUnit(line) || currentStandalone)) {
        units.push(current);
        current = '';
      }
      current = current === '' ? line.trim() : `${current} ${line.trim()}`;
      currentStandalone = standsAlone(line);
    }
    if (current !== '') units.push(current);
  }
  return units;
}

function splitUnit(unit: string): string[] {
  return segmentSentences(unit);
}
