/**
 * What an answer looks like in Teams: the text with its `[n]` markers, a schema.org `Message` entity that
 * carries the AI-generated label and one `Claim` citation per source (Teams shows them as numbered
 * pills with a pop-up), and the feedback buttons (`feedbackLoopEnabled`). Where citations cannot be
 * shown (another Bot Framework channel, more sources than Teams takes) the sources come as an Adaptive Card.
 */
import type { Activity, Attachment } from 'botbuilder';
import type { ChatAnswer, Source } from '#core';
import { sourceLocation, type Translator } from '#i18n';

/** Teams takes at most 20 citations per message, an abstract of at most 160 characters, a name of 80. */
export const TEAMS_CITATION_LIMITS = { count: 20, abstract: 160, name: 80 } as const;

export const ADAPTIVE_CARD_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface TeamsCitation {
  readonly '@type': 'Claim';
  readonly position: number;
  readonly appearance: {
    readonly '@type': 'DigitalDocument';
    readonly name: string;
    readonly abstract: string;
    readonly url?: string;
  };
}

export interface StreamInfo {
  readonly type: 'streaminfo';
  readonly streamType: 'informative' | 'streaming' | 'final';
  readonly streamId?: string;
  readonly streamSequence?: number;
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** "Title — Section · p. 3": the document and where in it, in the asker's language. */
function sourceName(source: Source, tr: Translator): string {
  const where = sourceLocation(source, tr);
  return where ? `${source.title} — ${where}` : source.title;
}

export function citationsOf(sources: readonly Source[], tr: Translator): TeamsCitation[] {
  return sources.map((source) => ({
    '@type': 'Claim',
    position: source.n,
    appearance: {
      '@type': 'DigitalDocument',
      name: clip(source.title, TEAMS_CITATION_LIMITS.name),
      // The pop-up shows only the name and the abstract: where in the document (section, page) leads the abstract.
      abstract: clip(
        [sourceLocation(source, tr), source.snippet || source.text || source.title]
          .filter(Boolean)
          .join(' — '),
        TEAMS_CITATION_LIMITS.abstract,
      ),
      ...(source.url ? { url: source.url } : {}),
    },
  }));
}

/** The Adaptive Card listing the sources, for clients that do not show citations. */
export function sourcesCard(sources: readonly Source[], tr: Translator): Attachment {
  const title = tr.t('chat.answer.sources');
  return {
    contentType: ADAPTIVE_CARD_TYPE,
    content: {
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: '1.5',
      body: [
        { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium' },
        ...sources.map((source) => ({
          type: 'TextBlock',
          wrap: true,
          text: source.url
            ? `[${source.n}] [${escapeMarkdown(sourceName(source, tr))}](${source.url})`
            : `[${source.n}] ${escapeMarkdown(sourceName(source, tr))}`,
        })),
      ],
    },
  };
}

function escapeMarkdown(text: string): string {
  return text.replace(/([[\]()*_`\\])/g, '\\$1');
}

export interface AnswerActivityOptions {
  /** Citations as Teams AI citations; false puts the sources in an Adaptive Card instead. */
  readonly citations: boolean;
  /** The asker's language: the sources card's heading ("Sources", "출처") and the pages ("p. 3", "3쪽"). */
  readonly tr: Translator;
  /** Ends a stream: the final message carries the stream's id. */
  readonly streamId?: string | null;
}

/** The final message of an answer. */
export function answerActivity(answer: ChatAnswer, options: AnswerActivityOptions): Partial<Activity> {
  const sources = answer.answered ? answer.sources : [];
  const asCitations = options.citations && sources.length <= TEAMS_CITATION_LIMITS.count;
  const message = {
    type: 'https://schema.org/Message',
    '@type': 'Message',
    '@context': 'https://schema.org',
    '@id': '',
    additionalType: ['AIGeneratedContent'],
    ...(asCitations && sources.length > 0 ? { citation: citationsOf(sources, options.tr) } : {}),
  };
  return {
    type: 'message',
    text: answer.text,
    textFormat: 'markdown',
    entities: [...streamEnd(options.streamId), message],
    channelData: { feedbackLoopEnabled: true },
    ...(!asCitations && sources.length > 0 ? { attachments: [sourcesCard(sources, options.tr)] } : {}),
  };
}

/** A plain message (a notice, a failure, a welcome), ending a stream when given its id. */
export function textActivity(text: string, streamId?: string | null): Partial<Activity> {
  return {
    type: 'message',
    text,
    textFormat: 'markdown',
    ...(streamId ? { entities: streamEnd(streamId) } : {}),
  };
}

function streamEnd(streamId: string | null | undefined): StreamInfo[] {
  return streamId ? [{ type: 'streaminfo', streamType: 'final', streamId }] : [];
}

/** One streamed update: a `typing` activity whose text is everything written so far. */
export function streamUpdate(
  text: string,
  info: { streamType: 'informative' | 'streaming'; streamSequence: number; streamId: string | null },
): Partial<Activity> {
  return {
    type: 'typing',
    text,
    entities: [
      {
        type: 'streaminfo',
        streamType: info.streamType,
        streamSequence: info.streamSequence,
        ...(info.streamId ? { streamId: info.streamId } : {}),
      } satisfies StreamInfo,
    ],
  };
}
