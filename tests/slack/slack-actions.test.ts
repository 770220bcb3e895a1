/** `/ask`, its "Share in channel" button, and feedback on answers (buttons and the comment modal). */
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schema } from '#db';
import { buildCollection, ingestText } from '../support/engine.ts';
import {
  blocksText,
  buttonValue,
  fixture,
  interactionBody,
  type SlackRig,
  startSlackRig,
} from '../support/slack.ts';

let rig: SlackRig;
let handbook: { id: string };
let hr: { id: string };

beforeAll(async () => {
  rig = await startSlackRig();
  handbook = await buildCollection(rig.t, { name: 'handbook', everyone: true });
  hr = await buildCollection(rig.t, { name: 'hr-private', readers: ['hr'] });
  await ingestText(rig.t, {
    collectionId: handbook.id,
    filename: 'vacation-policy.md',
    text: '# Vacation\n\nEvery employee gets 25 vacation days a year. Unused days carry over until March.\n',
  });
});
afterAll(async () => rig?.close());
beforeEach(async () => rig.reset());
afterEach(() => {
  expect(rig.slack.unexpected).toEqual([]);
  expect(rig.slack.violations).toEqual([]);
});

const calls = (method: string) => rig.slack.callsTo(method);

/** The fixture's slash command with a real question: its own text, "Hi", has no evidence in any document. */
const askForm = () =>
  fixture('slash_command.form.txt').replace('&text=Hi&', '&text=How+many+vacation+days+do+I+get%3F&');

/** Runs the fixture's slash command (`/hello-world Hi` from W111 in C111) and returns the answer's id. */
async function askPrivately(): Promise<string> {
  const response = await rig.send(askForm());
  expect(response.statusCode).toBe(200);
  await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postEphemeral'));
  await rig.drain();
  const [reply] = calls('chat.postEphemeral');
  const messageId = buttonValue(reply, 'exgpt_share');
  expect(messageId, 'the private answer offers to share it').toMatch(/^[0-9a-f-]{36}$/);
  expect(buttonValue(reply, 'exgpt_feedback_up')).toBe(messageId);
  rig.slack.reset();
  return messageId!;
}

function click(actionId: string, value: string, user = 'W111'): string {
  return interactionBody((p) => {
    (p.user as Record<string, unknown>).id = user;
    p.actions = [
      {
        action_id: actionId,
        block_id: 'exgpt_answer_actions',
        text: { type: 'plain_text', text: 'Button', emoji: true },
        value,
        type: 'button',
        action_ts: '1596530385.194939',
      },
    ];
  });
}

describe('/ask', () => {
  it('answers privately, at once, with sources, a share button and feedback buttons', async () => {
    const response = await rig.send(askForm());
    expect(response.statusCode).toBe(200);
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postEphemeral'));
    await rig.drain();
    const [reply] = calls('chat.postEphemeral');
    expect(reply?.args).toMatchObject({ channel: 'C111', user: 'W111' });
    const shown = blocksText(reply);
    expect(shown).toContain('Employees get 25 vacation days a year [1].');
    expect(shown).toContain('vacation-policy');
    for (const action of ['exgpt_share', 'exgpt_feedback_up', 'exgpt_feedback_down'])
      expect(shown).toContain(action);
    // Ephemeral messages cannot stream: nothing was streamed, and nothing was posted for the channel.
    expect(calls('chat.startStream')).toEqual([]);
    expect(calls('chat.postMessage')).toEqual([]);
    expect(JSON.stringify(rig.model.requests.at(-1)?.body)).toContain('How many vacation days');
  });

  it('asks for a question when the command comes without one', async () => {
    const response = await rig.send(fixture('slash_command.form.txt').replace('&text=Hi&', '&text=&'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringMatching(/Ask me a question/),
    });
    await rig.drain();
    expect(rig.model.requests).toEqual([]);
  });
});

describe('Share in channel', () => {
  it('posts the answer in the channel when every source is bound to it', async () => {
    const messageId = await askPrivately();
    await rig.bind('C111', [handbook.id]);
    const response = await rig.send(click('exgpt_share', messageId));
    expect(response.statusCode).toBe(200);
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postMessage'));
    await rig.drain(); // the shared message is linked to the answer after it is posted
    const [posted] = calls('chat.postMessage');
    expect(posted?.args.channel).toBe('C111');
    const shown = blocksText(posted);
    expect(shown).toContain('Employees get 25 vacation days a year [1].');
    expect(shown).toContain('vacation-policy');
    expect(shown).toContain('exgpt_feedback_up');
    expect(shown).not.toContain('exgpt_share');
    const [message] = await rig.t.database.db
      .select()
      .from(schema.messages)
      .where(eq(schema.messages.id, messageId));
    expect(message?.platformMessageId).toBe(posted?.response?.ts);
  });

  it('refuses when a source is not bound to the channel, or when someone else asks to share', async () => {
    const messageId = await askPrivately();
    await rig.bind('C111', [hr.id]);
    await rig.send(click('exgpt_share', messageId));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postEphemeral'));
    await rig.drain();
    expect(String(calls('chat.postEphemeral')[0]?.args.text)).toMatch(/can’t post this answer here/);

    await rig.bind('C111', [handbook.id]);
    await rig.send(click('exgpt_share', messageId, 'W222'));
    await rig.slack.waitFor((c) => c.filter((call) => call.method === 'chat.postEphemeral').length === 2);
    await rig.drain();
    expect(calls('chat.postEphemeral')[1]?.args.user).toBe('W222');
    expect(calls('chat.postMessage')).toEqual([]);
  });
});

describe('feedback', () => {
  const feedbackOf = async (messageId: string) => {
    const [row] = await rig.t.database.db
      .select()
      .from(schema.messages)
      .where(eq(schema.messages.id, messageId));
    return { value: row?.feedback, comment: row?.feedbackComment };
  };

  it('stores 👍 on the answer and thanks the person', async () => {
    const messageId = await askPrivately();
    const response = await rig.send(click('exgpt_feedback_up', messageId));
    expect(response.statusCode).toBe(200);
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postEphemeral'));
    await rig.drain();
    expect(await feedbackOf(messageId)).toEqual({ value: 'up', comment: null });
    expect(String(calls('chat.postEphemeral')[0]?.args.text)).toMatch(/Thanks/);
  });

  it('lets only the asker rate a private answer: another person’s 👍/👎 never becomes or replaces it', async () => {
    const messageId = await askPrivately();
    // The asker (W111) is known; W222 is a forged or curious second person.
    await rig.send(click('exgpt_feedback_down', messageId, 'W222'));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postEphemeral'));
    await rig.drain();
    expect(await feedbackOf(messageId)).toEqual({ value: null, comment: null });
    expect(String(calls('chat.postEphemeral')[0]?.args.text)).toMatch(/only the person who asked/);
    expect(calls('views.open')).toEqual([]);

    await rig.send(click('exgpt_feedback_up', messageId));
    await rig.drain();
    expect(await feedbackOf(messageId)).toEqual({ value: 'up', comment: null });
    await rig.send(click('exgpt_feedback_down', messageId, 'W222'));
    await rig.drain();
    expect(await feedbackOf(messageId)).toEqual({ value: 'up', comment: null });
  });

  it('in a channel, stores each person’s own rating once: a second click replaces theirs, never the asker’s', async () => {
    // 김민지 (W333) reads Slack in Korean and has never asked ex-GPT anything.
    rig.slack.addUser({ id: 'W333', email: 'minji.kim@example.co.kr', name: '김민지', locale: 'ko-KR' });
    const messageId = await askPrivately();
    const ratings = async () =>
      (
        await rig.t.database.db
          .select({ email: schema.users.email, value: schema.messageRatings.value })
          .from(schema.messageRatings)
          .innerJoin(schema.users, eq(schema.users.id, schema.messageRatings.userId))
          .where(eq(schema.messageRatings.messageId, messageId))
      ).sort((a, b) => a.email.localeCompare(b.email));

    // Still private: only the asker may rate it, and the refusal is in the clicker's language.
    await rig.send(click('exgpt_feedback_up', messageId, 'W333'));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postEphemeral'));
    await rig.drain();
    expect(String(calls('chat.postEphemeral')[0]?.args.text)).toContain('질문한 사람만');
    expect(await ratings()).toEqual([]);

    await rig.bind('C111', [handbook.id]);
    await rig.send(click('exgpt_share', messageId));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postMessage'));
    await rig.drain();
    rig.slack.reset();

    await rig.send(click('exgpt_feedback_up', messageId)); // the asker
    await rig.send(click('exgpt_feedback_down', messageId, 'W222'));
    await rig.send(click('exgpt_feedback_down', messageId, 'W333'));
    await rig.slack.waitFor((c) => c.filter((call) => call.method === 'views.open').length === 2);
    await rig.drain();
    // Each 👎 gets the comment modal, in its person's language.
    const titles = calls('views.open').map(
      (call) => (call.args.view as { title: { text: string } }).title.text,
    );
    expect(titles.sort()).toEqual(['Not helpful', '도움이 안 됨']);
    expect(await ratings()).toEqual([
      { email: 'minji.kim@example.co.kr', value: 'down' },
      { email: 'w111@example.com', value: 'up' },
      { email: 'w222@example.com', value: 'down' },
    ]);
    // Changing one's mind replaces one's own rating; nobody else's 👎 replaces the asker's 👍.
    await rig.send(click('exgpt_feedback_up', messageId, 'W333'));
    await rig.slack.waitFor((c) => c.some((call) => String(call.args.text).includes('감사합니다')));
    await rig.drain();
    expect(await ratings()).toEqual([
      { email: 'minji.kim@example.co.kr', value: 'up' },
      { email: 'w111@example.com', value: 'up' },
      { email: 'w222@example.com', value: 'down' },
    ]);
    expect(await feedbackOf(messageId)).toEqual({ value: 'up', comment: null });
  });

  it('stores 👎 at once, and the comment written in the modal that follows', async () => {
    const messageId = await askPrivately();
    await rig.send(click('exgpt_feedback_down', messageId));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'views.open'));
    await rig.drain();
    expect(await feedbackOf(messageId)).toEqual({ value: 'down', comment: null });
    const [open] = calls('views.open');
    expect(open?.args.trigger_id).toBe('111.222.valid');
    const view = open?.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('exgpt_feedback_comment');

    // Slack's view_submission for that modal, with the person's comment.
    const submission = {
      type: 'view_submission',
      team: { id: 'T111', domain: 'workspace-domain' },
      user: { id: 'W111', username: 'primary-owner', name: 'primary-owner', team_id: 'T111' },
      api_app_id: 'A111',
      token: 'verification_token',
      trigger_id: '111.333.valid',
      view: {
        id: 'V111',
        team_id: 'T111',
        type: 'modal',
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        state: {
          values: {
            comment: { comment_input: { type: 'plain_text_input', value: 'It missed the carry-over rule' } },
          },
        },
        hash: '156772938.1827394',
        app_id: 'A111',
        bot_id: 'B111',
      },
      response_urls: [],
    };
    const response = await rig.send(`payload=${encodeURIComponent(JSON.stringify(submission))}`);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(''); // closes the modal
    await rig.drain();
    expect(await feedbackOf(messageId)).toEqual({ value: 'down', comment: 'It missed the carry-over rule' });
  });
});
