import { openPackage, readRelationships, readXml } from './office-package.ts';
import { readCoreTitle } from './parse-xlsx.ts';
import type { Block, ParsedDocument } from './parsed-document.ts';
import { normalizeWhitespace } from './parsed-document.ts';

/**
 * PPTX → one section per slide in presentation order, headed "Slide N: <title>" so a citation names the
 * slide; its text boxes as paragraphs, its tables as tables, and its speaker notes under "Speaker notes".
 */

const LABEL = 'PowerPoint presentation';
const MAX_SLIDES = 5000;

export function parsePptx(bytes: Uint8Array): ParsedDocument {
  const pkg = openPackage(bytes, LABEL, 'ppt/presentation.xml');
  const relationships = readRelationships(pkg, 'ppt/presentation.xml');
  const slides: string[] = [];
  readXml(pkg.text('ppt/presentation.xml') ?? '', {
    onOpen(name, attributes) {
      if (name !== 'sldId' || slides.length >= MAX_SLIDES) return;
      const id = attributes['r:id'] ?? Object.entries(attributes).find(([key]) => key.endsWith(':id'))?.[1];
      const part = id !== undefined ? relationships.get(id)?.target : undefined;
      if (part !== undefined) slides.push(part);
    },
  });

  const blocks: Block[] = [];
  slides.forEach((part, i) => {
    const slide = readShapes(pkg.text(part) ?? '');
    const title = slide.title !== '' ? `Slide ${i + 1}: ${slide.title}` : `Slide ${i + 1}`;
    blocks.push({ kind: 'heading', level: 1, text: title }, ...slide.blocks);
    const notesPart = [...readRelationships(pkg, part).values()].find((rel) =>
      rel.type.endsWith('/notesSlide'),
    );
    const notes = notesPart !== undefined ? readShapes(pkg.text(notesPart.target) ?? '', 'body') : null;
    if (notes !== null && notes.blocks.length > 0) {
      blocks.push({ kind: 'heading', level: 2, text: 'Speaker notes' }, ...notes.blocks);
    }
  });
  return { title: readCoreTitle(pkg), blocks };
}

/**
 * The shapes of one slide: the title placeholder's text apart, the other paragraphs and tables in order.
 * With `only` set (notes pages), only shapes holding that placeholder type are read: the rest of a
 * notes page is the slide's thumbnail and its number.
 */
function readShapes(xml: string, only?: string): { title: string; blocks: Block[] } {
  const blocks: Block[] = [];
  let title = '';
  let placeholder: string | null = null;
  let inShape = false;
  let paragraph = '';
  let inText = false;
  let table: string[][] | null = null;
  let row: string[] | null = null;
  let cell: string | null = null;
  readXml(xml, {
    onOpen(name, attributes) {
      if (name === 'sp') {
        inShape = true;
        placeholder = null;
      } else if (name === 'ph' && inShape) placeholder = attributes.type ?? 'body';
      else if (name === 'tbl') table = [];
      else if (name === 'tr' && table !== null) row = [];
      else if (name === 'tc' && row !== null) cell = '';
      else if (name === 't') inText = true;
      else if (name === 'br') paragraph += ' ';
    },
    onText(text) {
      if (!inText) return;
      if (cell !== null) cell += text;
      else paragraph += text;
    },
    onClose(name) {
      if (name === 't') inText = false;
      else if (name === 'p' && cell !== null) cell += ' ';
      else if (name === 'p') {
        const text = normalizeWhitespace(paragraph);
        paragraph = '';
        const wanted = only === undefined || placeholder === only;
        if (text === '' || !wanted) return;
        if (only === undefined && (placeholder === 'title' || placeholder === 'ctrTitle')) {
          title = title === '' ? text : `${title} ${text}`;
        } else blocks.push({ kind: 'paragraph', text });
      } else if (name === 'tc' && row !== null && cell !== null) {
        row.push(normalizeWhitespace(cell));
        cell = null;
      } else if (name === 'tr' && table !== null && row !== null) {
        if (row.some((value) => value !== '')) table.push(row);
        row = null;
      } else if (name === 'tbl' && table !== null) {
        const [headers, ...rows] = table;
        if (headers !== undefined && only === undefined) {
          blocks.push(
            rows.length > 0
              ? { kind: 'table', headers, rows }
              : { kind: 'table', headers: null, rows: [headers] },
          );
        }
        table = null;
      } else if (name === 'sp') inShape = false;
    },
  });
  return { title, blocks };
}
