/** The answer as Slack blocks: text in mrkdwn sections, numbered sources with links, and the buttons. */
import type { types } from '@slack/bolt';
import type { ChatAnswer, Source } from '#core';
import { escapeSlack, markdownToMrkdwn, SLACK_LIMITS, slackLink, splitText } from './slack-text.ts';

export type SlackBlock = types.KnownBlock;

export const ACTION_FEEDBACK_UP = 'exgpt_feedback_up';
export const ACTION_FEEDBACK_DOWN = 'exgpt_feedback_down';
export const ACTION_SHARE = 'exgpt_share';
export const FEEDBACK_MODAL = 'exgpt_feedback_comment';
export const FEEDBACK_COMMENT_BLOCK = 'comment';
export const FEEDBACK_COMMENT_ACTION = 'comment_input';

/** "*[1]* <url|Title> · Section" per source, as mrkdwn sections of at most 3,000 characters. */
export function sourceBlocks(sources: readonly Source[]): SlackBlock[] {
  if (sources.length === 0) return [];
  const lines = sources.map((s) => {
    const title = s.url ? slackLink(s.url, s.title) : `*${escapeSlack(s.title)}*`;
    return `*[${s.n}]* ${title}${s.section ? ` · ${escapeSlack(s.section)}` : ''}`;
  });
  return splitText(['*Sources*', ...lines].join('\n'), SLACK_LIMITS.sectionText).map((text) => ({
    type: 'section',
    text: { type: 'mrkdwn', text },
  }));
}

export function actionBlock(answer: ChatAnswer, options: { share: boolean }): SlackBlock {
  const button = (action_id: string, text: string, style?: 'primary') => ({
    type: 'button' as const,
    action_id,
    text: { type: 'plain_text' as const, text, emoji: true },
    value: answer.messageId,
    ...(style ? { style } : {}),
  });
  return {
    type: 'actions',
    block_id: 'exgpt_answer_actions',
    elements: [
      ...(options.share ? [button(ACTION_SHARE, 'Share in channel', 'primary')] : []),
      button(ACTION_FEEDBACK_UP, '👍 Helpful'),
      button(ACTION_FEEDBACK_DOWN, '👎 Not helpful'),
    ],
  };
}

/** What ends a streamed answer (the text itself was streamed): sources, then the buttons. */
export function streamEndBlocks(answer: ChatAnswer): SlackBlock[] {
  return withinBlockLimit([...sourceBlocks(answer.sources), actionBlock(answer, { share: false })]);
}

/**
 * A whole answer posted at once, as one or more messages within Slack's limits (50 blocks, 3,000
 * characters a section, 40,000 of text); the buttons go with the last one.
 */
export function answerMessages(
  answer: ChatAnswer,
  options: { share: boolean },
): { text: string; blocks: SlackBlock[] }[] {
  const sections: SlackBlock[] = splitText(markdownToMrkdwn(answer.text), SLACK_LIMITS.sectionText).map(
    (text) => ({
      type: 'section',
      text: { type: 'mrkdwn', text },
    }),
  );
  const all = [...sections, ...sourceBlocks(answer.sources), actionBlock(answer, { share: options.share })];
  const messages: { text: string; blocks: SlackBlock[] }[] = [];
  for (let i = 0; i < all.length; i += SLACK_LIMITS.blocks) {
    const blocks = all.slice(i, i + SLACK_LIMITS.blocks);
    messages.push({ text: fallbackText(blocks), blocks });
  }
  return messages;
}

/** The notification / accessibility text of a message: its sections' text, within Slack's limit. */
function fallbackText(blocks: readonly SlackBlock[]): string {
  const text = blocks
    .map((b) => (b.type === 'section' && b.text ? b.text.text : ''))
    .filter((t) => t !== '')
    .join('\n');
  return text.length > SLACK_LIMITS.messageText
    ? `${text.slice(0, SLACK_LIMITS.messageText - 1)}…`
    : text || 'Answer';
}

function withinBlockLimit(blocks: SlackBlock[]): SlackBlock[] {
  if (blocks.length <= SLACK_LIMITS.blocks) return blocks;
  return [...blocks.slice(0, SLACK_LIMITS.blocks - 1), blocks[blocks.length - 1]!];
}

/** The "not helpful" modal: an optional comment, tied to the answer by its message id. */
export function feedbackModal(input: { messageId: string; channelId: string | null }): types.View {
  return {
    type: 'modal',
    callback_id: FEEDBACK_MODAL,
    private_metadata: JSON.stringify(input),
    title: { type: 'plain_text', text: 'Not helpful' },
    submit: { type: 'plain_text', text: 'Send' },
    close: { type: 'plain_text', text: 'Skip' },
    blocks: [
      {
        type: 'input',
        block_id: FEEDBACK_COMMENT_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: 'What was wrong or missing? (optional)' },
        element: {
          type: 'plain_text_input',
          action_id: FEEDBACK_COMMENT_ACTION,
          multiline: true,
          max_length: 2000,
        },
      },
    ],
  };
}
