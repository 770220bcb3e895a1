/**
 * A model's citations, checked and renumbered while the answer streams: "[n]" must name a document it was
 * given (others are dropped), and the reply's numbers run 1, 2, 3 in order of first use, so the sources listed
 * under the answer are exactly the cited ones, in that order. A marker split across stream pieces ("[", "3]")
 * is held back until it is complete.
 */
const MARKER = /\[(\d{1,4}(?:\s*,\s*\d{1,4})*)\]/g;
/** A tail that may still become a marker: "[", "[1", "[1, 2". */
const OPEN_TAIL = /\[[\d\s,]{0,24}$/;

export interface CitationRenumberer {
  /** Takes the next piece of model text; returns what can be shown now. */
  push(piece: string): string;
  /** Returns whatever is still held back at the end of the stream. */
  flush(): string;
  /** Context indices (1-based) cited so far, in order of first use. */
  readonly cited: readonly number[];
}

export function createCitationRenumberer(contextSize: number): CitationRenumberer {
  const cited: number[] = [];
  let held = '';
  const renumber = (text: string) =>
    text.replace(MARKER, (_marker, list: string) => {
      const shown: number[] = [];
      for (const part of list.split(',')) {
        const index = Number(part.trim());
        if (!Number.isInteger(index) || index < 1 || index > contextSize) continue;
        if (!cited.includes(index)) cited.push(index);
        const n = cited.indexOf(index) + 1;
        if (!shown.includes(n)) shown.push(n);
      }
      return shown.map((n) => `[${n}]`).join('');
    });
  return {
    cited,
    push(piece) {
      const text = held + piece;
      const tail = OPEN_TAIL.exec(text);
      held = tail ? tail[0] : '';
      return renumber(tail ? text.slice(0, tail.index) : text);
    },
    flush() {
      const rest = renumber(held);
      held = '';
      return rest;
    },
  };
}

/** `text` with its citations checked and renumbered (see createCitationRenumberer). */
export function renumberCitations(text: string, contextSize: number): { text: string; cited: number[] } {
  const renumberer = createCitationRenumberer(contextSize);
  const out = renumberer.push(text) + renumberer.flush();
  return { text: out, cited: [...renumberer.cited] };
}
