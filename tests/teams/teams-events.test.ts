/**
 * Teams events besides questions: the welcome on install (once, though Teams sends both a
 * conversationUpdate and an installationUpdate), feedback from Teams' buttons (the
 * `message/submitAction` invoke) and reactions, other invokes, and events the bot ignores.
 */
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schema } from '#db';
import { buildCollection, ingestText } from '../support/engine.ts';
import {
  type ActivityJson,
  fixtureActivity,
  PEOPLE,
  personalMessage,
  startTeamsRig,
  type TeamsRig,
} from '../support/teams.ts';

let rig: TeamsRig;
beforeAll(async () => {
  rig = await startTeamsRig();
  const handbook = await buildCollection(rig.t, { name: 'handbook', everyone: true });
  await ingestText(rig.t, {
    collectionId: handbook.id,
    filename: 'vacation-policy.md',
    text: '# Vacation\n\nEvery employee gets 25 vacation days a year.\n',
  });
});
afterAll(async () => rig?.close());
beforeEach(async () => rig.reset());
afterEach(() => {
  expect(rig.connector.unexpected).toEqual([]);
  expect(rig.connector.violations).toEqual([]);
});

const TEAM_CHANNEL = '19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2';

describe('install', () => {
  it('welcomes a team once, though Teams announces the install twice and retries', async () => {
    for (const name of [
      'conversationUpdate_bot_added_to_team.json',
      'installationUpdate_add.json',
      'conversationUpdate_bot_added_to_team.json',
    ]) {
      const response = await rig.send(fixtureActivity(name));
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe('');
    }
    await rig.drain();
    const messages = rig.connector.messages();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.conversationId).toBe(TEAM_CHANNEL);
    expect(String(messages[0]!.activity.text)).toContain('ex-GPT');
    // The team's conversation is kept for proactive messages.
    const [reference] = await rig.t.database.db
      .select()
      .from(schema.conversationReferences)
      .where(eq(schema.conversationReferences.conversationId, TEAM_CHANNEL));
    expect(reference?.reference).toMatchObject({
      serviceUrl: rig.connector.url,
      teamId: '19:zFLSDFWsesfzcmKArqKJ-65aOXJz@sgf462H2wz41@thread.tacv2',
      tenantId: 'b28fdbfd-2b78-4f93-b0f8-8881793f0f8f',
    });
  });

  it('welcomes a person who adds the bot to a personal chat', async () => {
    await rig.send(fixtureActivity('conversationUpdate_bot_added_personal.json'));
    await rig.drain();
    // The docs' placeholders: the bot is the first member added, and the conversation id is "***".
    const messages = rig.connector.messages();
    expect(messages.map((m) => m.conversationId)).toEqual(['***']);
  });

  it('stays quiet when a member leaves a team', async () => {
    const response = await rig.send(fixtureActivity('conversationUpdate_team_member_removed.json'));
    expect(response.statusCode).toBe(200);
    await rig.drain();
    expect(rig.connector.sent).toEqual([]);
  });
});

describe('feedback', () => {
  /** Asks in a personal chat and returns the Teams id of the answer. */
  async function answerId(): Promise<string> {
    await rig.send(personalMessage('How many vacation days do I get?'));
    await rig.drain();
    return rig.connector.messages().at(-1)!.id;
  }

  /** The docs' feedback invoke, in the envelope Teams sends it in (the docs snippet leaves it out). */
  function feedbackInvoke(replyToId: string, change?: (value: ActivityJson) => void): ActivityJson {
    const invoke = fixtureActivity('invoke_message_submitAction_feedback.json');
    const envelope = personalMessage('');
    if (change) change(invoke.value as ActivityJson);
    return {
      ...envelope,
      ...invoke,
      type: 'invoke',
      id: `f:${replyToId}`,
      conversation: envelope.conversation,
      replyToId,
      text: undefined,
    };
  }

  const stored = async (platformMessageId: string) => {
    const [message] = await rig.t.database.db
      .select()
      .from(schema.messages)
      .where(eq(schema.messages.platformMessageId, platformMessageId));
    return message;
  };

  it('stores 👍 and the comment from Teams’ feedback buttons, and answers 200 with an empty body', async () => {
    const id = await answerId();
    const response = await rig.send(feedbackInvoke(id));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(await stored(id)).toMatchObject({ feedback: 'up', feedbackComment: 'test feedback' });
  });

  it('reads the comment Teams sends JSON-encoded, and a 👎', async () => {
    const id = await answerId();
    const response = await rig.send(
      feedbackInvoke(id, (value) => {
        value.actionValue = {
          reaction: 'dislike',
          feedback: JSON.stringify({ feedbackText: 'Out of date.' }),
        };
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(await stored(id)).toMatchObject({ feedback: 'down', feedbackComment: 'Out of date.' });
  });

  it('answers the docs’ snippet as it is with an empty 200, though it names no message', async () => {
    const response = await rig.send(fixtureActivity('invoke_message_submitAction_feedback.json'));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    const rated = await rig.t.database.db
      .select()
      .from(schema.messages)
      .where(eq(schema.messages.feedback, 'up'));
    expect(rated).toEqual([]);
  });

  it('takes a reaction on an answer as feedback', async () => {
    const id = await answerId();
    // The recorded reaction comes from someone else: on the asker's personal chat that is refused.
    const forged = fixtureActivity('messageReaction_like.json');
    forged.replyToId = id;
    expect((await rig.send(forged)).statusCode).toBe(200);
    await rig.drain();
    expect(await stored(id)).toMatchObject({ feedback: null });

    const asker = personalMessage('');
    const reaction: ActivityJson = {
      ...fixtureActivity('messageReaction_like.json'),
      from: asker.from,
      channelData: asker.channelData,
      replyToId: id,
    };
    expect((await rig.send(reaction)).statusCode).toBe(200);
    await rig.drain();
    expect(await stored(id)).toMatchObject({ feedback: 'up' });
  });

  it('in a channel, stores each person’s own rating once: a second one replaces theirs, never the asker’s', async () => {
    const CHANNEL = '19:6848757105754c8981c67612732d9aa7@thread.tacv2';
    const etiquette = await buildCollection(rig.t, { name: 'channel-etiquette', everyone: true });
    await ingestText(rig.t, {
      collectionId: etiquette.id,
      filename: 'channel-etiquette.md',
      text: '# Channel etiquette\n\nReply to the thread of a post instead of starting a new post.\n',
    });
    rig.model.scriptNext('fake-chat', { reply: 'Reply to the thread of the post [1].' });
    await rig.bind(CHANNEL, [etiquette.id], '50612dbb-0237-4969-b378-8d42590f9c00');
    const mention = fixtureActivity('message_channel_thread_mention.json');
    await rig.send(mention);
    await rig.drain();
    const answer = rig.connector.messages().at(-1)!;
    expect(answer.activity.channelData).toMatchObject({ feedbackLoopEnabled: true });

    // Feedback from someone in that channel: the recorded invoke, in the channel's envelope, from `who`.
    const rate = async (who: (typeof PEOPLE)[number], reaction: 'like' | 'dislike', comment = '') => {
      const invoke = fixtureActivity('invoke_message_submitAction_feedback.json');
      (invoke.value as ActivityJson).actionValue = {
        reaction,
        feedback: JSON.stringify({ feedbackText: comment }),
      };
      const response = await rig.send({
        ...mention,
        ...invoke,
        type: 'invoke',
        id: `f:${who.aadObjectId}:${reaction}:${comment}`,
        from: { id: who.id, name: who.name, aadObjectId: who.aadObjectId },
        conversation: mention.conversation,
        channelData: mention.channelData,
        replyToId: answer.id,
        text: undefined,
      });
      expect(response.statusCode).toBe(200);
      await rig.drain();
    };
    const [asker, colleague, minji] = [PEOPLE[0]!, PEOPLE[1]!, PEOPLE[2]!];
    await rate(asker, 'like');
    await rate(colleague, 'dislike', 'Out of date.');
    await rate(minji, 'dislike', '스레드 규칙이 바뀌었습니다.');
    await rate(minji, 'like');

    const message = await stored(answer.id);
    const ratings = await rig.t.database.db
      .select({
        email: schema.users.email,
        value: schema.messageRatings.value,
        comment: schema.messageRatings.comment,
      })
      .from(schema.messageRatings)
      .innerJoin(schema.users, eq(schema.users.id, schema.messageRatings.userId))
      .where(eq(schema.messageRatings.messageId, message!.id));
    expect(ratings.sort((a, b) => a.email.localeCompare(b.email))).toEqual([
      { email: 'minji.kim@example.co.kr', value: 'up', comment: null },
      { email: 'rido.personal@example.com', value: 'down', comment: 'Out of date.' },
      { email: 'rido@example.com', value: 'up', comment: null },
    ]);
    // The answer's own verdict is still its asker's.
    expect(message).toMatchObject({ feedback: 'up', feedbackComment: null });
  });

  it('answers an Adaptive Card action with the invoke response Teams expects', async () => {
    const response = await rig.send(fixtureActivity('invoke_adaptiveCard_action.json'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
    });
    await rig.drain();
    expect(rig.connector.sent).toEqual([]);
  });
});
