/**
 * Answers in Slack, end to end: the fixtures go through POST /slack/events into the real Bolt app, the
 * engine answers (with a fake model), and what reaches Slack is read back from the fake Web API.
 */
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schema } from '#db';
import { buildCollection, ingestText } from '../support/engine.ts';
import {
  blocksText,
  fixture,
  type SlackRig,
  startSlackRig,
  streamedText,
  TEAM_ID,
  variant,
  waitForStreams,
} from '../support/slack.ts';

const MENTION_THREAD = '1595926230.009600'; // event_app_mention.json's ts: the answer's thread
const BROADCAST_THREAD = '1633663824.000500'; // event_message_thread_broadcast.json's thread_ts
const ANSWER = 'Employees get 25 vacation days a year [1].';

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
  await ingestText(rig.t, {
    collectionId: hr.id,
    filename: 'salary-bands.md',
    text: '# Salary bands\n\nEngineers in band 4 earn between 90,000 and 110,000 a year.\n',
  });
});
afterAll(async () => rig?.close());
beforeEach(async () => rig.reset());
afterEach(() => {
  expect(rig.slack.unexpected).toEqual([]);
  expect(rig.slack.violations).toEqual([]);
});

const calls = (method: string) => rig.slack.callsTo(method);
const chatRequests = () => rig.model.requests.filter((r) => r.kind === 'chat');

describe('a mention in a channel', () => {
  it('streams a threaded answer with numbered sources and feedback buttons, and stores it', async () => {
    await rig.bind('C111', [handbook.id]);
    const response = await rig.send(fixture('event_app_mention.json'));
    expect(response.statusCode).toBe(200);
    await waitForStreams(rig.slack, 1);
    await rig.drain(); // the answer is linked to its Slack message after the stream ends

    const [start] = calls('chat.startStream');
    expect(start?.args).toMatchObject({
      channel: 'C111',
      thread_ts: MENTION_THREAD,
      recipient_user_id: 'W222',
      recipient_team_id: TEAM_ID,
    });
    const ts = String(start?.response?.ts);
    expect(streamedText(rig.slack.calls, ts)).toBe(ANSWER);
    const [stop] = calls('chat.stopStream');
    const shown = blocksText(stop);
    expect(shown).toContain('*Sources*');
    expect(shown).toContain('*[1]*');
    expect(shown).toContain('vacation-policy');
    expect(shown).toContain('exgpt_feedback_up');
    expect(shown).toContain('exgpt_feedback_down');

    // The question reached the model without the mention.
    const prompt = JSON.stringify(chatRequests().at(-1)?.body);
    expect(prompt).toContain('Hi there!');
    expect(prompt).not.toContain('<@W111>');

    const db = rig.t.database.db;
    const [message] = await db
      .select()
      .from(schema.messages)
      .where(eq(schema.messages.platformMessageId, ts));
    expect(message).toMatchObject({ question: 'Hi there!', answer: ANSWER, answered: true });
    expect(shown).toContain(message!.id); // the buttons refer to the stored answer
    const [conversation] = await db
      .select()
      .from(schema.conversations)
      .where(eq(schema.conversations.id, message!.conversationId));
    expect(conversation).toMatchObject({ platform: 'slack', channelId: 'C111', threadId: MENTION_THREAD });

    // The asker became an ex-GPT member, linked by the email Slack gave.
    const [identity] = await db
      .select()
      .from(schema.identities)
      .where(eq(schema.identities.externalId, 'W222'));
    expect(identity).toMatchObject({ provider: 'slack', tenantId: TEAM_ID, email: 'w222@example.com' });
    const [user] = await db.select().from(schema.users).where(eq(schema.users.id, identity!.userId));
    expect(user).toMatchObject({ email: 'w222@example.com', role: 'member' });
    expect(message!.userId).toBe(user!.id);
  });

  it('in a channel bound to no collection, gives the asker a short hint instead of an answer', async () => {
    await rig.send(fixture('event_app_mention.json'));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postEphemeral'));
    await rig.drain();
    const [hint] = calls('chat.postEphemeral');
    expect(hint?.args).toMatchObject({ channel: 'C111', user: 'W222', thread_ts: MENTION_THREAD });
    expect(String(hint?.args.text)).toMatch(/only answer in channels that an admin has connected/);
    expect(calls('chat.startStream')).toEqual([]);
    expect(chatRequests()).toEqual([]);
  });

  it('searches only what the asker may read of the bound collections', async () => {
    await rig.bind('C111', [hr.id]);
    await rig.send(fixture('event_app_mention.json'));
    await waitForStreams(rig.slack, 1);
    const first = calls('chat.startStream')[0]!;
    const answer = streamedText(rig.slack.calls, String(first.response?.ts));
    expect(answer).toMatch(/couldn.t find/i);
    // Nothing of the HR document reached Slack or the model.
    expect(JSON.stringify(rig.slack.calls)).not.toMatch(/salary|band 4/i);
    expect(chatRequests()).toEqual([]);

    // Once the asker is in the group that may read it, the same question finds it.
    const db = rig.t.database.db;
    const [identity] = await db
      .select()
      .from(schema.identities)
      .where(eq(schema.identities.externalId, 'W222'));
    const [group] = await db.select().from(schema.groups).where(eq(schema.groups.name, 'hr'));
    await db.insert(schema.memberships).values({ userId: identity!.userId, groupId: group!.id });
    await db.delete(schema.processedEvents);
    // The same mention again is a follow-up in its thread: the model first rewrites it into a stand-alone
    // question, and a real one returns "Hi there!" unchanged (the rewrite prompt's rule).
    rig.model.scriptNext('fake-chat', { reply: 'Hi there!' });
    await rig.send(fixture('event_app_mention.json'));
    await waitForStreams(rig.slack, 2);
    expect(blocksText(calls('chat.stopStream')[1])).toContain('salary-bands');
    await db.delete(schema.memberships).where(eq(schema.memberships.groupId, group!.id));
  });

  it('never answers from ex-GPT’s own guide, even in a channel bound to it', async () => {
    const guide = await buildCollection(rig.t, { name: 'ex-gpt-guide', everyone: true });
    await ingestText(rig.t, {
      collectionId: guide.id,
      filename: 'getting-started.md',
      text: '# 시작하기\n\nHi there! 안녕하세요, ex-GPT 안내서입니다. Upload documents in the console first.\n',
    });
    await rig.bind('C111', [guide.id]);
    await rig.send(fixture('event_app_mention.json'));
    await waitForStreams(rig.slack, 1);
    const first = calls('chat.startStream')[0]!;
    expect(streamedText(rig.slack.calls, String(first.response?.ts))).toMatch(/couldn.t find/i);
    expect(JSON.stringify(rig.slack.calls)).not.toMatch(/안내서|getting-started/);
    expect(chatRequests()).toEqual([]);
  });

  it('answers a retried event once, and a message that arrives as both app_mention and message once', async () => {
    await rig.bind('C111', [handbook.id]);
    const body = fixture('event_app_mention.json');
    await rig.send(body);
    await waitForStreams(rig.slack, 1);
    const retry = await rig.send(body, {
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.statusCode).toBe(200);
    // Slack also delivers the mention as a channel message, with its own event id.
    await rig.send(
      variant('event_message_channel.json', (b) => {
        const event = b.event as Record<string, unknown>;
        Object.assign(event, {
          user: 'W222',
          text: '<@W111> Hi there!',
          ts: MENTION_THREAD,
          event_ts: MENTION_THREAD,
        });
        delete event.blocks;
        b.event_id = 'Ev222';
      }),
    );
    await rig.drain();
    expect(calls('chat.startStream')).toHaveLength(1);
    expect(chatRequests()).toHaveLength(1);
  });
});

describe('direct messages and assistant threads', () => {
  it('suggests prompts when an assistant thread opens, then answers in it with a status while working', async () => {
    // The recorded message asks "When Slack was released?": a document must say so, or the honest answer
    // is "I couldn't find this" without asking the model.
    const { document } = await ingestText(rig.t, {
      collectionId: handbook.id,
      filename: 'slack-history.md',
      text: '# Slack\n\nSlack was released to the public in February 2014.\n',
    });
    const released = 'Slack was released in February 2014 [1].';
    rig.model.scriptNext('fake-chat', { reply: released });
    await rig.send(fixture('event_assistant_thread_started.json'));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'assistant.threads.setSuggestedPrompts'));
    const [prompts] = calls('assistant.threads.setSuggestedPrompts');
    expect(prompts?.args).toMatchObject({ channel_id: 'D111', thread_ts: '1726133698.626339' });
    expect(prompts?.args.prompts as unknown[]).not.toHaveLength(0);

    // The user's message in that thread (a DM: the asker's own access, no binding needed).
    await rig.send(fixture('event_message_im_thread.json'));
    await waitForStreams(rig.slack, 1);
    const status = calls('assistant.threads.setStatus');
    expect(status[0]?.args).toMatchObject({ channel_id: 'D111', thread_ts: '1726133698.626339' });
    expect(String(status[0]?.args.status)).toMatch(/searching/);
    const start = calls('chat.startStream')[0]!;
    expect(status[0]!.receivedAt).toBeLessThan(start.receivedAt);
    expect(start.args).toMatchObject({ channel: 'D111', thread_ts: '1726133698.626339' });
    expect(streamedText(rig.slack.calls, String(start.response?.ts))).toBe(released);
    expect(JSON.stringify(chatRequests().at(-1)?.body)).toContain('When Slack was released?');
    expect(blocksText(calls('chat.stopStream')[0])).toContain('slack-history');
    await rig.t.engine.documents.delete(document.id);
  });
});

describe('follow-ups in a thread', () => {
  const rootMention = variant('event_app_mention.json', (b) => {
    const event = b.event as Record<string, unknown>;
    Object.assign(event, {
      user: 'U111',
      text: '<@W111> How many vacation days do I get?',
      ts: BROADCAST_THREAD,
      event_ts: BROADCAST_THREAD,
    });
    b.event_id = 'EvRoot';
  });

  it('answers a reply without a mention in a thread it answered, with the thread’s context, when the channel says so', async () => {
    await rig.bind('C111', [handbook.id], 'all');
    await rig.send(rootMention);
    await waitForStreams(rig.slack, 1);

    await rig.send(fixture('event_message_thread_broadcast.json'));
    await waitForStreams(rig.slack, 2);
    await rig.drain();
    const second = calls('chat.startStream')[1]!;
    expect(second.args).toMatchObject({
      channel: 'C111',
      thread_ts: BROADCAST_THREAD,
      recipient_user_id: 'U111',
    });
    // The follow-up was read with the thread's history: the first question is in the model's input.
    const followUp = chatRequests()
      .slice(1)
      .map((r) => JSON.stringify(r.body))
      .join('\n');
    expect(followUp).toContain('How many vacation days do I get?');
    const messages = await rig.t.database.db.select().from(schema.messages);
    expect(new Set(messages.map((m) => m.conversationId)).size).toBe(1);
    expect(messages).toHaveLength(2);
  });

  it('needs a mention for follow-ups where the channel’s reply mode is "mention"', async () => {
    await rig.bind('C111', [handbook.id], 'mention');
    await rig.send(rootMention);
    await waitForStreams(rig.slack, 1);
    await rig.send(fixture('event_message_thread_broadcast.json'));
    await rig.drain();
    expect(calls('chat.startStream')).toHaveLength(1);
  });

  it('ignores its own messages, other bots, edits and joins, so it never answers itself', async () => {
    await rig.bind('C111', [handbook.id], 'all');
    await rig.send(rootMention);
    await waitForStreams(rig.slack, 1);
    rig.slack.reset();

    const inThread = (id: string, change: (event: Record<string, unknown>) => void) =>
      variant('event_message_thread_broadcast.json', (b) => {
        const event = b.event as Record<string, unknown>;
        delete event.subtype;
        change(event);
        b.event_id = id;
      });
    // Its own streamed answer, echoed back as a message in the thread.
    await rig.send(
      inThread('EvOwn', (e) => Object.assign(e, { user: 'W111', bot_id: 'B111', text: ANSWER })),
    );
    await rig.send(
      inThread('EvBot', (e) => Object.assign(e, { subtype: 'bot_message', bot_id: 'B999', user: undefined })),
    );
    await rig.send(inThread('EvEdit', (e) => Object.assign(e, { subtype: 'message_changed' })));
    await rig.send(
      inThread('EvJoin', (e) => Object.assign(e, { subtype: 'channel_join', text: '<@U111> has joined' })),
    );
    await rig.send(fixture('event_message_channel.json')); // posted by W111, the bot's own user
    await rig.drain();
    expect(rig.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);

    // A person's reply in the same thread is still answered.
    await rig.send(fixture('event_message_thread_broadcast.json'));
    await waitForStreams(rig.slack, 1);
  });
});

describe('failures are shown, never swallowed', () => {
  it('ends a half-streamed answer with a friendly sentence when the model fails mid-answer', async () => {
    await rig.bind('C111', [handbook.id]);
    rig.model.scriptNext('fake-chat', { reply: ANSWER, dropAfterTokens: 2 });
    await rig.send(fixture('event_app_mention.json'));
    await waitForStreams(rig.slack, 1);
    const start = calls('chat.startStream')[0]!;
    const shown = streamedText(rig.slack.calls, String(start.response?.ts));
    expect(shown).toMatch(/^Employees get /); // what the model wrote before failing stays
    expect(shown).toMatch(/isn’t reachable right now\. Please try again/);
    expect(blocksText(calls('chat.stopStream')[0])).not.toContain('exgpt_feedback_up');
  });

  it('posts the friendly sentence in the thread when Slack refuses the stream', async () => {
    await rig.bind('C111', [handbook.id]);
    rig.slack.failNext('chat.startStream', 'internal_error', 10);
    await rig.send(fixture('event_app_mention.json'));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postMessage'));
    const [posted] = calls('chat.postMessage');
    expect(posted?.args).toMatchObject({ channel: 'C111', thread_ts: MENTION_THREAD });
    expect(String(posted?.args.text)).toMatch(/something went wrong on my side/);
    rig.slack.failNext('chat.startStream', 'internal_error', 0);
  });
});

describe('per-user rate limit', () => {
  it('answers up to the limit, then replies politely, and looks a new user up in Slack once', async () => {
    await rig.bind('C111', [handbook.id]);
    rig.slack.addUser({ id: 'W333', email: 'w333@example.com', name: 'New Person' });
    const limited = await rig.buildOther({ config: { CHAT_RATE_LIMIT_PER_MINUTE: 1 } });
    const ask = (id: string, ts: string) =>
      variant('event_app_mention.json', (b) => {
        Object.assign(b.event as Record<string, unknown>, { user: 'W333', ts, event_ts: ts });
        b.event_id = id;
      });
    await rig.send(ask('EvA', '1700000000.000001'), { app: limited });
    await waitForStreams(rig.slack, 1);
    await rig.drain();
    await rig.send(ask('EvB', '1700000000.000002'), { app: limited });
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postEphemeral'));
    await rig.drain();
    expect(calls('chat.startStream')).toHaveLength(1);
    const [notice] = calls('chat.postEphemeral');
    expect(notice?.args).toMatchObject({ channel: 'C111', user: 'W333' });
    expect(String(notice?.args.text)).toMatch(/asking faster than I can keep up\. Please wait \d+ seconds?/);
    expect(calls('users.info')).toHaveLength(1);
    const [user] = await rig.t.database.db
      .select()
      .from(schema.users)
      .where(eq(schema.users.email, 'w333@example.com'));
    expect(user?.role).toBe('member');
  });
});
