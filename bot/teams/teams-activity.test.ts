import { readFileSync } from 'node:fs';
import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { translatorFor } from '#i18n';
import { locationOf, mentionsBot, questionOf, replyConversationId, userOf } from './teams-activity.ts';
import { answerActivity } from './teams-message.ts';
import { feedbackOf } from './teams-turns.ts';

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../tests/fixtures/teams/${name}`, import.meta.url), 'utf8'),
  ) as Partial<Activity>;

describe('reading a Teams message', () => {
  it('takes the bot’s mention out of a channel thread reply and keeps the thread', () => {
    const activity = fixture('message_channel_thread_mention.json');
    expect(mentionsBot(activity)).toBe(true);
    expect(questionOf(activity)).toBe('reply to thread');
    const location = locationOf(activity);
    expect(location).toEqual({
      platform: 'teams',
      workspaceId: '50612dbb-0237-4969-b378-8d42590f9c00',
      channelId: '19:6848757105754c8981c67612732d9aa7@thread.tacv2',
      threadId: '1759881511856',
      place: 'channel',
    });
    expect(replyConversationId(location)).toBe(activity.conversation?.id);
    expect(userOf(activity)?.userId).toBe('b15a9416-0ad3-4172-9210-7beb711d3f70');
  });

  it('strips a mention whose entity text differs from the message text (Microsoft’s docs example)', () => {
    const activity = fixture('message_with_mention_docs_example.json');
    // The mention is of a person, not this bot: kept as the name, without markup.
    expect(mentionsBot(activity)).toBe(false);
    expect(questionOf(activity)).toBe('Hey Pranav Smith check out this message');
    // Had it named the bot, the `<at>Pranav Smith</at>` in the text goes, though the entity says `<at>@Pranav Smith</at>`.
    expect(questionOf(activity, ['29:08q2j2o3jc09au90eucae'])).toBe('Hey check out this message');
    expect(locationOf(activity)).toMatchObject({
      channelId: '19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.skype',
      threadId: '1481567603816',
      place: 'channel',
    });
  });

  it('matches the bot by id with or without the 28: prefix, and decodes entities', () => {
    const activity: Partial<Activity> = {
      text: '<at>ex&#45;GPT</at>&nbsp;what&#39;s our <at>Tom</at> &amp; Jerry policy?',
      recipient: { id: '28:app-id', name: 'ex-GPT' },
      entities: [
        { type: 'mention', text: '<at>ex&#45;GPT</at>', mentioned: { id: 'app-id', name: 'ex-GPT' } },
        { type: 'mention', text: '<at>Tom</at>', mentioned: { id: '29:tom', name: 'Tom' } },
      ],
      conversation: { id: '19:abc@thread.v2', conversationType: 'groupChat', isGroup: true, name: '' },
    };
    expect(mentionsBot(activity)).toBe(true);
    expect(questionOf(activity)).toBe("what's our Tom & Jerry policy?");
    expect(locationOf(activity)).toMatchObject({ channelId: '19:abc@thread.v2', place: 'channel' });
  });

  it('answers a personal chat in the chat itself', () => {
    const activity = fixture('invoke_adaptiveCard_action.json');
    const location = locationOf(activity);
    expect(location.place).toBe('direct');
    expect(replyConversationId(location)).toBe(activity.conversation?.id);
  });
});

describe('feedback from Teams', () => {
  it('reads the documented shape, the JSON-encoded one, and refuses others', () => {
    const documented = fixture('invoke_message_submitAction_feedback.json').value;
    expect(feedbackOf(documented)).toEqual({ value: 'up', comment: 'test feedback' });
    expect(
      feedbackOf({
        actionName: 'feedback',
        actionValue: { reaction: 'dislike', feedback: '{"feedbackText":"Wrong year."}' },
      }),
    ).toEqual({ value: 'down', comment: 'Wrong year.' });
    expect(
      feedbackOf({
        actionName: 'feedback',
        actionValue: '{"reaction":"like","feedback":"{\\"feedbackText\\":\\"\\"}"}',
      }),
    ).toEqual({ value: 'up', comment: null });
    expect(feedbackOf({ actionName: 'feedback', actionValue: { reaction: 'meh' } })).toBeNull();
    expect(feedbackOf({ actionName: 'other', actionValue: { reaction: 'like' } })).toBeNull();
    expect(feedbackOf('{broken')).toBeNull();
  });
});

describe('the final message', () => {
  const en = translatorFor(['en']);
  const answer = {
    messageId: 'm1',
    text: 'Every employee gets 25 days [1].',
    answered: true,
    shareable: false,
    sources: [
      {
        n: 1,
        chunkId: '1',
        documentId: 'd1',
        documentVersion: 1,
        title: 'Vacation policy',
        section: 'Leave',
        page: null,
        url: 'https://intranet.example.com/d1',
        snippet: 'Every employee gets 25 vacation days a year.',
        text: 'Every employee gets 25 vacation days a year.',
      },
    ],
  };

  it('puts the sources in an Adaptive Card where citations cannot be shown', () => {
    const activity = answerActivity(answer, { citations: false, tr: en });
    expect(activity.attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(activity.attachments)).toContain(
      '[Vacation policy — Leave](https://intranet.example.com/d1)',
    );
    expect(activity.entities?.[0]).toMatchObject({ additionalType: ['AIGeneratedContent'] });
    expect(activity.entities?.[0]).not.toHaveProperty('citation');
  });

  it('cites nothing for an unanswered question', () => {
    const activity = answerActivity({ ...answer, answered: false, sources: [] }, { citations: true, tr: en });
    expect(activity.attachments).toBeUndefined();
    expect(activity.entities).toHaveLength(1);
    expect(activity.entities?.[0]).not.toHaveProperty('citation');
  });

  // A PDF's page is the only way to find the cited sentence in a long handbook: it is in the citation's
  // name (the pop-up shows only name and abstract) and in the card, worded in the asker's language.
  const pdfAnswer = {
    ...answer,
    text: '연차 휴가는 15일입니다 [1].',
    sources: [
      { ...answer.sources[0]!, title: '취업규칙.pdf', section: '제3장 휴가', page: 12 },
      { ...answer.sources[0]!, n: 2, title: 'Handbook.pdf', section: null, page: 3 },
    ],
  };

  it('names the page of a PDF source in Teams citations, in Korean and English', () => {
    const ko = answerActivity(pdfAnswer, { citations: true, tr: translatorFor(['ko']) });
    const entity = ko.entities?.[0] as unknown as {
      citation?: { appearance: { name: string; abstract: string } }[];
    };
    expect(entity.citation?.map((c) => c.appearance.name)).toEqual(['취업규칙.pdf', 'Handbook.pdf']);
    expect(entity.citation?.map((c) => c.appearance.abstract)).toEqual([
      '제3장 휴가 · 12쪽 — Every employee gets 25 vacation days a year.',
      '3쪽 — Every employee gets 25 vacation days a year.',
    ]);
    const english = JSON.stringify(answerActivity(pdfAnswer, { citations: true, tr: en }).entities);
    expect(english).toContain('"abstract":"제3장 휴가 · p. 12 — Every employee');
    expect(english).toContain('"abstract":"p. 3 — Every employee');
  });

  it('names the page in the sources card too', () => {
    const card = JSON.stringify(answerActivity(pdfAnswer, { citations: false, tr: translatorFor(['ko']) }));
    expect(card).toContain('출처');
    expect(card).toContain('[1] [취업규칙.pdf — 제3장 휴가 · 12쪽](https://intranet.example.com/d1)');
  });
});
