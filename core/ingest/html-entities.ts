import type { TokenizerCallbacks } from 'htmlparser2';
import { Tokenizer } from 'htmlparser2';

/** Tokenizer events that carry no document text (attributes, comments, doctype…). */
export const IGNORED_TOKENS = {
  onattribdata: () => {},
  onattribentity: () => {},
  onattribend: () => {},
  onattribname: () => {},
  oncdata: () => {},
  oncomment: () => {},
  ondeclaration: () => {},
  onprocessinginstruction: () => {},
  onend: () => {},
} satisfies Partial<TokenizerCallbacks>;

/** Decodes HTML character references (&amp;, &#8212;, &eacute;…) in text that is otherwise plain. */
export function decodeHtmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  // Escape "<" so the tokenizer sees nothing but text and references.
  const source = text.replaceAll('<', '&lt;');
  const parts: string[] = [];
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      ontext: (start, end) => parts.push(source.slice(start, end)),
      ontextentity: (codepoint) => parts.push(String.fromCodePoint(codepoint)),
      onopentagname: () => {},
      onopentagend: () => {},
      onselfclosingtag: () => {},
      onclosetag: () => {},
      ...IGNORED_TOKENS,
    },
  );
  tokenizer.write(source);
  tokenizer.end();
  return parts.join('');
}
