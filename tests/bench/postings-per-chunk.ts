/**
 * `node tests/bench/postings-per-chunk.ts`: how many BM25 postings a chunk makes, split into single terms
 * and adjacent-word pairs, for real English (SciFact through the real parse → chunk → analyse path) and
 * for the bench's synthetic chunks. Tells whether the synthetic corpus indexes like prose (issue 18: the
 * 100k bench's size and speed follow from it). Nothing is stored.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeFile } from '../../core/ingest/analyze-file.ts';
import { createTokenCounter } from '../../core/ingest/tokens.ts';
import type { LexicalDoc } from '../../core/ports.ts';
import { analyzeDocument, textForIndexing } from '../../core/retrieval/analyzer.ts';
import { type BenchRow, printTable, readJsonl, round } from './support.ts';
import { createSyntheticText } from './synthetic.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const scifact = path.resolve(root, '..', 'shared', 'eval', 'scifact', 'corpus.jsonl');

interface Tally {
  chunks: number;
  words: number;
  postings: number;
  pairs: number;
}

function add(tally: Tally, indexText: string, lexical: LexicalDoc): void {
  tally.chunks += 1;
  tally.words += indexText.split(/\s+/).filter(Boolean).length;
  tally.postings += lexical.terms.size;
  // Pair terms are the only ones with the separator in them (db/chunk-index.ts stores them alike).
  for (const term of lexical.terms.keys()) if (term.includes(' ')) tally.pairs += 1;
}

function row(label: string, t: Tally): BenchRow {
  return {
    name: `postings per chunk, ${label} (${t.chunks} chunks)`,
    value: round(t.postings / t.chunks),
    unit: 'postings',
    note: `${round(t.words / t.chunks)} words per chunk, ${round(t.postings / t.words, 2)} postings per word, ${round((100 * t.pairs) / t.postings)}% of them word pairs`,
  };
}

export async function measurePostingsPerChunk(): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  if (existsSync(scifact)) {
    const counter = createTokenCounter();
    const tally: Tally = { chunks: 0, words: 0, postings: 0, pairs: 0 };
    for (const doc of readJsonl<{ _id: string; title?: string; text?: string }>(scifact)) {
      const analyzed = await analyzeFile(
        {
          bytes: new TextEncoder().encode(doc.text ?? ''),
          filename: `${doc._id}.txt`,
          mimeType: 'text/plain',
          title: doc.title?.trim() || doc._id,
          maxBytes: 10_000_000,
          chunkTokens: 350,
          chunkOverlapTokens: 50,
        },
        counter,
      ).catch(() => null);
      for (const chunk of analyzed?.chunks ?? []) add(tally, chunk.indexText, chunk.lexical);
    }
    out.push(row('SciFact (English abstracts, 350-token chunks)', tally));
  }
  // Exactly as tests/bench/copy-load.ts draws them: a 4-word title, then 160-word bodies.
  const text = createSyntheticText();
  const tally: Tally = { chunks: 0, words: 0, postings: 0, pairs: 0 };
  for (let d = 0; d < 100; d++) {
    const title = text.sentence(4);
    for (let i = 0; i < 50; i++) {
      const indexText = textForIndexing({ title, headingPath: [], text: text.paragraph(160) });
      add(tally, indexText, analyzeDocument(indexText));
    }
  }
  out.push(row('synthetic bench text (160 words, no stopwords)', tally));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) printTable(await measurePostingsPerChunk());
