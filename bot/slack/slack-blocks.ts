/** The answer as Slack blocks: text in mrkdwn sections, numbered sources with links, and the buttons. */
import type { types } from '@slack/bolt';
import type { ChatAnswer, Source } from '#core';
import { sourceLocation, type Translator } from '#i18n';
import { escapeSlack, markdownToMrkdwn, SLACK_LIMITS, slackLink, splitText } from './slack-text.ts';

export type SlackBlock = types.KnownBlock;

export const ACTION_FEEDBACK_UP = 'exgpt_feedback_up';
export const ACTION_FEEDBACK_DOWN = 'exgpt_feedback_down';
export const ACTION_SHARE = 'exgpt_share';
export const FEEDBACK_MODAL = 'exgpt_feedback_comment';
export const FEEDBACK_COMMENT_BLOCK = 'comment';
export const FEEDBACK_COMMENT_ACTION = 'comment_input';

/** "*[1]* <url|Title> · Section · p. 3" per source, as mrkdwn sections of at most 3,000 characters. */
export function sourceBlocks(sources: readonly Source[], tr: Translator): SlackBlock[] {
  if (sources.length === 0) return [];
  const lines = sources.map((s) => {
    const title = s.url ? slackLink(s.url, s.title) : `*${escapeSlack(s.title)}*`;
    const where = sourceLocation(s, tr);
    return `*[${s.n}]* ${title}${where ? ` · ${escapeSlack(where)}` : ''}`;
  });
  return splitText([`*${tr.t('chat.answer.sources')}*`, ...lines].join('\n'), SLACK_LIMITS.sectionText).map(
    (text) => ({
      type: 'section',
      text: { type: 'mrkdwn', text },
    }),
  );
}

export function actionBlock(answer: ChatAnswer, options: { share: boolean; tr: Translator }): SlackBlock {
  const { tr } = options;
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
      ...(options.share ? [button(ACTION_SHARE, tr.t('chat.button.share'), 'primary')] : []),
      button(ACTION_FEEDBACK_UP, tr.t('chat.button.helpful')),
      button(ACTION_FEEDBACK_DOWN, tr.t('chat.button.notHelpful')),
    ],
  };
}

/** What ends a streamed answer (the text itself was streamed): sources, then the buttons. */
export function streamEndBlocks(answer: ChatAnswer, tr: Translator): SlackBlock[] {
  return withinBlockLimit([...sourceBlocks(answer.sources, tr), actionBlock(answer, { share: false, tr })]);
}

/**
 * A whole answer posted at once, as one or more messages within Slack's limits (50 blocks, 3,000
 * characters a section, 40,000 of text); the buttons go with the last one.
 */
export function answerMessages(
  answer: ChatAnswer,
  options: { share: boolean; tr: Translator },
): { text: string; blocks: SlackBlock[] }[] {
  const sections: SlackBlock[] = splitText(markdownToMrkdwn(answer.text), SLACK_LIMITS.sectionText).map(
    (text) => ({
      type: 'section',
      text: { type: 'mrkdwn', text },
    }),
  );
  const all = [...sections, ...sourceBlocks(answer.sources, options.tr), actionBlock(answer, options)];
  const messages: { text: string; blocks: SlackBlock[] }[] = [];
  for (let i = 0; i < all.length; i += SLACK_LIMITS.blocks) {
    const blocks = all.slice(i, i + SLACK_LIMITS.blocks);
    messages.push({ text: fallbackText(blocks, options.tr), blocks });
  }
  return messages;
}

/** The notification / accessibility text of a message: its sections' text, within Slack's limit. */
function fallbackText(blocks: readonly SlackBlock[], tr: Translator): string {
  const text = blocks
    .map((b) => (b.type === 'section' && b.text ? b.text.text : ''))
    .filter((t) => t !== '')
    .join('\n');
  return text.length > SLACK_LIMITS.messageText
    ? `${text.slice(0, SLACK_LIMITS.messageText - 1)}…`
    : text || tr.t('chat.answer.fallbackText');
}

function withinBlockLimit(blocks: SlackBlock[]): SlackBlock[] {
  if (blocks.length <= SLACK_LIMITS.blocks) return blocks;
  return [...blocks.slice(0, SLACK_LIMITS.blocks - 1), blocks[blocks.length - 1]!];
}

/** The "not helpful" modal: an optional comment, tied to the answer by its message id. */
export function feedbackModal(
  input: { messageId: string; channelId: string | null },
  tr: Translator,
): types.View {
  return {
    type: 'modal',
    callback_id: FEEDBACK_MODAL,
    private_metadata: JSON.stringify(input),
    title: { type: 'plain_text', text: tr.t('chat.feedback.modalTitle') },
    submit: { type: 'plain_text', text: tr.t('chat.feedback.modalSubmit') },
    close: { type: 'plain_text', text: tr.t('chat.feedback.modalSkip') },
    blocks: [
      {
        type: 'input',
        block_id: FEEDBACK_COMMENT_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: tr.t('chat.feedback.modalLabel') },
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
