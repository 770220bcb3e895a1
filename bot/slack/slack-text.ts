/** Slack's message markup in and out: questions arrive as Slack markup, answers leave as mrkdwn. */

/** Slack's documented limits that answers must stay within. */
export const SLACK_LIMITS = {
  /** `text` of a message; Slack truncates beyond it. */
  messageText: 40_000,
  /** `text` of a section block. */
  sectionText: 3_000,
  /** blocks in one message. */
  blocks: 50,
  /** `markdown_text` of one chat.startStream / appendStream / stopStream call. */
  streamMarkdown: 12_000,
} as const;

/**
 * The question as a person wrote it: the bot's own mention removed, other mentions, channels and links
 * turned into readable text, and Slack's escaping undone.
 */
export function questionFromSlackText(text: string, botUserId: string | undefined): string {
  let out = text;
  if (botUserId) out = out.replaceAll(new RegExp(`<@${escapeRegExp(botUserId)}(?:\\|[^>]*)?>`, 'g'), ' ');
  out = out
    .replace(/<@([A-Z0-9]+)(?:\|([^>]+))?>/g, (_m, id: string, name?: string) => `@${name ?? id}`)
    .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `#${name || id}`)
    .replace(
      /<!(?:subteam\^[A-Z0-9]+\|)?([^>|]+)(?:\|[^>]*)?>/g,
      (_m, name: string) => `@${name.replace(/^@/, '')}`,
    )
    .replace(/<((?:https?|mailto):[^>|]+)\|([^>]+)>/g, (_m, _url: string, label: string) => label)
    .replace(/<((?:https?|mailto):[^>|]+)>/g, (_m, url: string) => url.replace(/^mailto:/, ''));
  return unescapeSlack(out)
    .replace(/[ \t]+/g, ' ')
    .trim();
}

export function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function unescapeSlack(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** A Slack link `<url|label>` with the label made safe (it may not contain `|` or `>`). */
export function slackLink(url: string, label: string): string {
  const safeUrl = url
    .replaceAll('<', '%3C')
    .replaceAll('>', '%3E')
    .replaceAll('|', '%7C')
    .replaceAll(' ', '%20');
  return `<${safeUrl}|${escapeSlack(label).replaceAll('|', '¦')}>`;
}

/**
 * Markdown (what answerers write) to Slack mrkdwn (what blocks show): bold, italics, strike-through,
 * headings, links. Code spans and fences are kept as they are; everything else is escaped.
 */
export function markdownToMrkdwn(markdown: string): string {
  const parts = markdown.split(/(```[\s\S]*?```|`[^`\n]+`)/g);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part; // code: Slack reads it the same way
      const links: string[] = [];
      let out = part.replace(/\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g, (_m, label: string, url: string) => {
        links.push(slackLink(url, label));
        return `\uE000${links.length - 1}\uE000`;
      });
      out = escapeSlack(out)
        .replace(/^#{1,6}\s+(.+?)\s*#*$/gm, '\uE001$1\uE001')
        .replace(/\*\*(?=\S)([\s\S]+?)(?<=\S)\*\*/g, '\uE001$1\uE001')
        .replace(/__(?=\S)([\s\S]+?)(?<=\S)__/g, '\uE001$1\uE001')
        .replace(/(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])/g, '_$1_')
        .replace(/~~(?=\S)([\s\S]+?)(?<=\S)~~/g, '~$1~')
        .replace(/^(\s*)[-*+]\s+/gm, '$1• ')
        .replaceAll('\uE001', '*');
      return out.replace(/\uE000(\d+)\uE000/g, (_m, n: string) => links[Number(n)]!);
    })
    .join('');
}

/**
 * Cuts text into pieces of at most `max` characters, preferring paragraph, then line, then word
 * boundaries; a code fence cut in two is closed and reopened so each piece renders on its own.
 */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = window.lastIndexOf('\n\n');
    if (cut < max / 2) cut = window.lastIndexOf('\n');
    if (cut < max / 2) cut = window.lastIndexOf(' ');
    if (cut < max / 2) cut = max;
    let piece = rest.slice(0, cut);
    rest = rest.slice(cut).replace(/^\s+/, '');
    if ((piece.match(/```/g)?.length ?? 0) % 2 === 1 && piece.length + 4 <= max) {
      piece += '\n```';
      rest = `\`\`\`\n${rest}`;
    }
    pieces.push(piece);
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}

/**
 * Cuts text into pieces of at most `max` characters whose concatenation is exactly `text` (for appends
 * to one streamed message), preferring to cut after a paragraph, a line, then a space.
 */
export function splitExact(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let end = window.lastIndexOf('\n\n') + 2;
    if (end < max / 2) end = window.lastIndexOf('\n') + 1;
    if (end < max / 2) end = window.lastIndexOf(' ') + 1;
    if (end < max / 2) end = max;
    pieces.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
