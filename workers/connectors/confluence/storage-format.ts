/**
 * Confluence storage format (XHTML with `ac:`/`ri:` elements and CDATA) → plain HTML for the existing HTML
 * parser. Macros keep their text: a code or noformat macro becomes a <pre>, a panel (info, note, warning,
 * expand…) a <div> with its title; links keep their words. Only what has no text (images, emoticons,
 * a table of contents) is left out.
 *
 * The page's place in the tree becomes its first headings: the ancestors as one <h1> ("Handbook › HR"),
 * the page title below it, and the page's own headings shifted under those, so every chunk's heading path
 * starts with where the page lives.
 */
import { Parser } from 'htmlparser2';

export interface PagePlace {
  readonly title: string;
  /** Ancestor titles, root first. */
  readonly ancestors: readonly string[];
}

/** Macros whose body is text to show as written. */
const CODE_MACROS = new Set(['code', 'noformat', 'code-block']);
/** Macros that only show something computed or external; they have no text of their own. */
const EMPTY_MACROS = new Set([
  'toc',
  'children',
  'attachments',
  'recently-updated',
  'pagetree',
  'contentbylabel',
  'gallery',
  'anchor',
  'jira',
]);
/** `ac:`/`ri:` elements whose content is never text a reader sees. */
const DROPPED = new Set([
  'ac:parameter',
  'ac:image',
  'ac:emoticon',
  'ac:placeholder',
  'ac:task-id',
  'ac:task-status',
  'ac:task-uuid',
]);

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface MacroFrame {
  readonly name: string;
  /** Already escaped, as the storage format wrote it. */
  title: string | null;
  readonly code: boolean;
  /** Whether the macro's opening has been written (panels write it once their title is known). */
  opened: boolean;
}

export function storageToHtml(storage: string, place: PagePlace): string {
  const out: string[] = [];
  const top: string[] = [];
  const shift = place.ancestors.length > 0 ? 2 : 1;
  top.push(`<title>${escapeHtml(place.title)}</title>`);
  if (place.ancestors.length > 0) top.push(`<h1>${escapeHtml(place.ancestors.join(' › '))}</h1>`);
  top.push(`<h${shift}>${escapeHtml(place.title)}</h${shift}>`);

  const macros: MacroFrame[] = [];
  let dropDepth = 0;
  let parameterName: string | null = null;
  let parameterText: string[] | null = null;
  /** Text of an ac:link: its body when it has one, else the target's title. */
  let link: { body: string[]; target: string | null } | null = null;
  let inPlainBody = false;
  let cdata = false;

  const macro = (): MacroFrame | undefined => macros[macros.length - 1];
  const openMacro = (frame: MacroFrame): void => {
    if (frame.opened) return;
    frame.opened = true;
    if (frame.code) {
      if (frame.title) out.push(`<p>${frame.title}</p>`);
      out.push('<pre>');
    } else {
      out.push('<div>');
      if (frame.title) out.push(`<p><strong>${frame.title}</strong></p>`);
    }
  };

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (dropDepth > 0) {
          dropDepth++;
          return;
        }
        if (name === 'ac:parameter') {
          parameterName = attributes['ac:name'] ?? '';
          parameterText = [];
          return;
        }
        if (DROPPED.has(name)) {
          dropDepth = 1;
          return;
        }
        if (name === 'ac:structured-macro' || name === 'ac:macro') {
          const macroName = (attributes['ac:name'] ?? '').toLowerCase();
          const parent = macro();
          if (parent && !parent.opened) openMacro(parent);
          if (EMPTY_MACROS.has(macroName)) {
            dropDepth = 1;
            return;
          }
          macros.push({ name: macroName, title: null, code: CODE_MACROS.has(macroName), opened: false });
          return;
        }
        if (name === 'ac:plain-text-body' || name === 'ac:rich-text-body') {
          const frame = macro();
          if (frame) openMacro(frame);
          inPlainBody = name === 'ac:plain-text-body' && !(frame?.code ?? false);
          if (inPlainBody) out.push('<pre>');
          return;
        }
        if (name === 'ac:link') {
          link = { body: [], target: null };
          return;
        }
        if (name.startsWith('ri:')) {
          if (link && link.target === null) {
            link.target = attributes['ri:content-title'] ?? attributes['ri:filename'] ?? null;
          }
          return;
        }
        if (name === 'ac:task-list') return void out.push('<ul>');
        if (name === 'ac:task') return void out.push('<li>');
        if (name.startsWith('ac:')) {
          // Layouts, task bodies, comment markers: their content is the page's text.
          if (name === 'ac:layout-cell' || name === 'ac:layout-section') out.push('<div>');
          return;
        }
        const frame = macro();
        if (frame && !frame.opened) openMacro(frame);
        const heading = /^h([1-6])$/.exec(name);
        if (heading) return void out.push(`<h${Math.min(6, Number(heading[1]) + shift)}>`);
        if (name === 'time' && attributes.datetime) return void out.push(`<time>${attributes.datetime}`);
        out.push(`<${name}>`);
      },
      onclosetag(name) {
        if (dropDepth > 0) {
          dropDepth--;
          return;
        }
        if (name === 'ac:parameter') {
          const frame = macro();
          if (frame && parameterName === 'title' && parameterText) {
            const title = parameterText.join('').trim();
            if (title !== '') frame.title = title;
          }
          parameterName = null;
          parameterText = null;
          return;
        }
        if (name === 'ac:structured-macro' || name === 'ac:macro') {
          const frame = macros.pop();
          if (!frame) return;
          // A status lozenge or a macro with only a title: the title is its text.
          if (!frame.opened && frame.title) out.push(` ${frame.title} `);
          else if (frame.opened) out.push(frame.code ? '</pre>' : '</div>');
          return;
        }
        if (name === 'ac:plain-text-body' || name === 'ac:rich-text-body') {
          if (inPlainBody) out.push('</pre>');
          inPlainBody = false;
          return;
        }
        if (name === 'ac:link') {
          const current = link;
          link = null;
          if (!current) return;
          const body = current.body.join('');
          out.push(body.trim() !== '' ? body : (current.target ?? ''));
          return;
        }
        if (name === 'ac:task-list') return void out.push('</ul>');
        if (name === 'ac:task') return void out.push('</li>');
        if (name === 'ac:layout-cell' || name === 'ac:layout-section') return void out.push('</div>');
        if (name.startsWith('ac:') || name.startsWith('ri:')) return;
        const heading = /^h([1-6])$/.exec(name);
        if (heading) return void out.push(`</h${Math.min(6, Number(heading[1]) + shift)}>`);
        if (name === 'time') return void out.push('</time>');
        out.push(`</${name}>`);
      },
      ontext(raw) {
        // CDATA (code bodies, link bodies) arrives unescaped; everything else is already markup-escaped.
        const text = cdata ? escapeHtml(raw) : raw;
        if (dropDepth > 0) return;
        if (parameterText) return void parameterText.push(text);
        if (link) link.body.push(text);
        else out.push(text);
      },
      oncdatastart() {
        cdata = true;
      },
      oncdataend() {
        cdata = false;
      },
    },
    // Entities are left as written: the HTML parser downstream knows HTML's (&nbsp;, &rsquo;…), XML mode does not.
    { xmlMode: true, decodeEntities: false, recognizeCDATA: true },
  );

  parser.write(storage);
  parser.end();
  return `<html><head>${top[0]}</head><body>${top.slice(1).join('')}${out.join('')}</body></html>`;
}
