/**
 * Answers in Teams, end to end: activities go through POST /api/messages into the real botbuilder
 * adapter, the engine answers (with a fake model), and what reaches Teams is read back from the fake
 * connector at the activity's serviceUrl.
 */
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '#core';
import { findUserByEmail, schema } from '#db';
import { buildCollection, buildUser, ingestText } from '../support/engine.ts';
import {
  type ActivityJson,
  fixtureActivity,
  messageEntity,
  personalMessage,
  startTeamsRig,
  streamInfo,
  type TeamsRig,
} from '../support/teams.ts';

const ANSWER = 'Employees get 25 vacation days a year [1].';
const CHANNEL = '19:6848757105754c8981c67612732d9aa7@thread.tacv2';
const THREAD_ROOT = '1759881511856';
const TENANT = '50612dbb-0237-4969-b378-8d42590f9c00';
const PERSONAL_CONVERSATION =
  'a:17vxw6pGQOb3Zfh8acXT8m_PqHycYpaFgzu2mFMUfkT-h0UskMctq5ZPPc7FIQxn2bx7rBSm5yE_HeUXsCcKZBrv77RgorB3_1_pAdvMhi39ClxQgawzyQ9GBFkdiwOxT';
const PERSONAL_AAD = 'c5e99701-2a32-49c1-a660-4629ceeb8c61';

let rig: TeamsRig;
let handbook: { id: string };
let hr: { id: string };

beforeAll(async () => {
  rig = await startTeamsRig();
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
beforeEach(async () => {
  await rig.reset();
  rig.model.script('*', { reply: ANSWER, delayMs: 15 });
});
afterEach(() => {
  expect(rig.connector.unexpected).toEqual([]);
  expect(rig.connector.violations).toEqual([]);
});

/** Puts the person with this email in the group, creating them first if Teams has not yet. */
async function joinGroup(email: string, groupName: string): Promise<void> {
  const db = rig.t.database.db;
  const existing = await findUserByEmail(db, email);
  if (!existing) {
    await buildUser(rig.t, { email, groups: [groupName] });
    return;
  }
  const [group] = await db.select().from(schema.groups).where(eq(schema.groups.name, groupName));
  await db
    .insert(schema.memberships)
    .values({ userId: existing.id, groupId: group!.id })
    .onConflictDoNothing();
}

const chatRequests = () => rig.model.requests.filter((r) => r.kind === 'chat');
const sent = () => rig.connector.sent;

describe('a personal chat', () => {
  it('streams the answer with the Teams protocol and ends it with citations, the AI label and feedback', async () => {
    const response = await rig.send(personalMessage('How many vacation days do I get?'));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    await rig.drain();

    const all = sent();
    expect(all.every((s) => s.conversationId === PERSONAL_CONVERSATION)).toBe(true);
    // First an informative update, which names the stream…
    const [informative, ...rest] = all;
    expect(informative?.activity.type).toBe('typing');
    expect(streamInfo(informative!.activity)).toEqual({
      type: 'streaminfo',
      streamType: 'informative',
      streamSequence: 1,
    });
    const streamId = informative!.id;
    // …then text updates, each with the whole text so far and a rising sequence number…
    const updates = rest.filter((s) => s.activity.type === 'typing');
    expect(updates.length).toBeGreaterThan(0);
    let previous = '';
    updates.forEach((update, i) => {
      expect(streamInfo(update.activity)).toEqual({
        type: 'streaminfo',
        streamType: 'streaming',
        streamSequence: i + 2,
        streamId,
      });
      const text = String(update.activity.text);
      expect(text.startsWith(previous)).toBe(true);
      expect(ANSWER.startsWith(text)).toBe(true);
      previous = text;
    });
    // …and last the final message with the stream's id.
    const final = all.at(-1)!;
    expect(rest.at(-1)).toBe(final);
    expect(final.activity).toMatchObject({
      type: 'message',
      text: ANSWER,
      channelData: { feedbackLoopEnabled: true },
    });
    expect(streamInfo(final.activity)).toEqual({ type: 'streaminfo', streamType: 'final', streamId });
    const entity = messageEntity(final.activity);
    expect(entity).toMatchObject({
      type: 'https://schema.org/Message',
      '@type': 'Message',
      '@context': 'https://schema.org',
      additionalType: ['AIGeneratedContent'],
    });
    const [citation] = entity!.citation as ActivityJson[];
    expect(citation).toMatchObject({
      '@type': 'Claim',
      position: 1,
      appearance: { '@type': 'DigitalDocument', name: 'vacation-policy' },
    });
    expect(String((citation!.appearance as ActivityJson).abstract)).toContain('25 vacation days');

    // Stored, linked to the Teams message (for feedback), and asked by a member mapped by Entra id and email.
    const db = rig.t.database.db;
    const [message] = await db
      .select()
      .from(schema.messages)
      .where(eq(schema.messages.platformMessageId, final.id));
    expect(message).toMatchObject({
      question: 'How many vacation days do I get?',
      answer: ANSWER,
      answered: true,
    });
    const [identity] = await db
      .select()
      .from(schema.identities)
      .where(eq(schema.identities.externalId, PERSONAL_AAD));
    expect(identity).toMatchObject({ provider: 'teams', email: 'rido.personal@example.com' });
    const [user] = await db.select().from(schema.users).where(eq(schema.users.id, identity!.userId));
    expect(user).toMatchObject({ email: 'rido.personal@example.com', role: 'member' });
    expect(message!.userId).toBe(user!.id);
    // The member was looked up through the connector, by Entra object id.
    expect(rig.connector.lookups.map((l) => decodeURIComponent(l.path))).toEqual([
      `/v3/conversations/${PERSONAL_CONVERSATION}/members/${PERSONAL_AAD}`,
    ]);
    // The conversation reference is kept for proactive messages.
    const [reference] = await db.select().from(schema.conversationReferences);
    expect(reference).toMatchObject({
      platform: 'teams',
      conversationId: PERSONAL_CONVERSATION,
      reference: { serviceUrl: rig.connector.url, conversation: { id: PERSONAL_CONVERSATION } },
    });
  });

  it('answers a retried activity once', async () => {
    const message = personalMessage('How many vacation days do I get?', '1767765488999');
    expect((await rig.send(message)).statusCode).toBe(200);
    expect((await rig.send(message)).statusCode).toBe(200);
    await rig.drain();
    expect(rig.connector.messages()).toHaveLength(1);
    expect(chatRequests()).toHaveLength(1);
  });

  it('uses the asker’s own access: what their groups may read, and nothing else', async () => {
    await rig.send(personalMessage('What do engineers in band 4 earn?'));
    await rig.drain();
    expect(JSON.stringify(chatRequests())).not.toMatch(/110,000/);
    expect(JSON.stringify(sent())).not.toMatch(/salary|110,000/i);

    // In the HR group (linked by the email Teams gives), the same person may read the salary bands.
    await joinGroup('rido.personal@example.com', 'hr');
    await rig.reset();
    rig.model.script('*', { reply: 'Band 4 earns 90,000 to 110,000 [1].' });
    // A new web app: the member cache of the first one still holds the old groups for a few minutes.
    const app = await rig.buildOther({});
    await rig.send(personalMessage('What do engineers in band 4 earn?'), { app });
    await rig.drain();
    expect(JSON.stringify(chatRequests())).toMatch(/110,000/);
    const final = rig.connector.messages().at(-1)!;
    expect(JSON.stringify(messageEntity(final.activity))).toContain('salary-bands');
  });

  it('ends the stream with what was written and then a friendly sentence when answering fails', async () => {
    const failing = await rig.buildOther({
      ask: {
        async *stream() {
          yield { type: 'status', stage: 'searching' };
          yield { type: 'status', stage: 'answering' };
          yield { type: 'delta', text: 'Employees get ' };
          await new Promise((resolve) => setTimeout(resolve, 30));
          throw new AppError('upstream_unavailable', 'model exploded: internal detail');
        },
        run: () => Promise.reject(new Error('unused')),
      },
    });
    await rig.send(personalMessage('How many vacation days do I get?'), { app: failing });
    await rig.drain();
    const all = sent();
    expect(all.some((s) => s.activity.type === 'typing' && s.activity.text === 'Employees get ')).toBe(true);
    expect(streamInfo(all[0]!.activity)).toMatchObject({ streamType: 'informative' });
    const final = all.at(-1)!;
    expect(final.activity.type).toBe('message');
    expect(streamInfo(final.activity)).toEqual({
      type: 'streaminfo',
      streamType: 'final',
      streamId: all[0]!.id,
    });
    expect(String(final.activity.text)).toMatch(
      /^Employees get\s+_The service that writes my answers isn’t reachable/,
    );
    expect(JSON.stringify(all)).not.toContain('internal detail');
    expect(final.activity.channelData).toBeUndefined(); // no feedback buttons on a failure
  });

  it('tells a person who asks too fast to wait', async () => {
    const app = await rig.buildOther({ config: { CHAT_RATE_LIMIT_PER_MINUTE: 1 } });
    await rig.send(personalMessage('How many vacation days do I get?'), { app });
    await rig.send(personalMessage('And how many sick days?'), { app });
    await rig.drain();
    const texts = rig.connector.messages().map((m) => String(m.activity.text));
    expect(texts).toHaveLength(2);
    expect(texts.filter((t) => /Please wait \d+ seconds? and ask again/.test(t))).toHaveLength(1);
    expect(chatRequests()).toHaveLength(1);
  });
});

describe('a channel', () => {
  const mention = () => fixtureActivity('message_channel_thread_mention.json');

  it('answers an @mention in its thread with the final message only, without the mention in the question', async () => {
    // The recorded mention asks "reply to thread": the channel's collection must say something about it, or
    // the honest answer is "I couldn't find this" without asking the model.
    const etiquette = await buildCollection(rig.t, { name: 'channel-etiquette', everyone: true });
    await ingestText(rig.t, {
      collectionId: etiquette.id,
      filename: 'channel-etiquette.md',
      text: '# Channel etiquette\n\nReply to the thread of a post instead of starting a new post.\n',
    });
    const reply = 'Reply to the thread of the post [1].';
    rig.model.scriptNext('fake-chat', { reply });
    await rig.bind(CHANNEL, [etiquette.id], TENANT);
    await rig.send(mention());
    await rig.drain();
    const messages = rig.connector.messages();
    expect(messages).toHaveLength(1);
    const [answer] = messages;
    expect(answer!.conversationId).toBe(`${CHANNEL};messageid=${THREAD_ROOT}`);
    expect(answer!.activity).toMatchObject({ text: reply, channelData: { feedbackLoopEnabled: true } });
    expect(streamInfo(answer!.activity)).toBeUndefined();
    expect(messageEntity(answer!.activity)?.citation).toHaveLength(1);
    // Nothing streamed in a channel: at most a plain "typing…" while it works.
    for (const s of sent().filter((x) => x.activity.type === 'typing'))
      expect(streamInfo(s.activity)).toBeUndefined();

    const prompt = JSON.stringify(chatRequests().at(-1)?.body);
    expect(prompt).toContain('reply to thread');
    expect(prompt).not.toContain('<at>');
    expect(prompt).not.toContain('ridotest');
    const [conversation] = await rig.t.database.db.select().from(schema.conversations);
    expect(conversation).toMatchObject({ platform: 'teams', channelId: CHANNEL, threadId: THREAD_ROOT });
  });

  it('keeps the thread’s context for a follow-up in the same thread', async () => {
    await rig.bind(CHANNEL, [handbook.id], TENANT);
    const first = mention();
    first.text = '<at>ridotest</at> How many vacation days do I get?';
    await rig.send(first);
    await rig.drain();
    const followUp = mention();
    Object.assign(followUp, { id: '1759944781999', text: '<at>ridotest</at> and do they carry over?' });
    await rig.send(followUp);
    await rig.drain();
    expect(rig.connector.messages()).toHaveLength(2);
    const later = chatRequests()
      .slice(1)
      .map((r) => JSON.stringify(r.body))
      .join('\n');
    expect(later).toContain('How many vacation days do I get?');
    const messages = await rig.t.database.db.select().from(schema.messages);
    expect(messages).toHaveLength(2);
    expect(new Set(messages.map((m) => m.conversationId)).size).toBe(1);
  });

  it('searches only the bound collections, intersected with what the asker may read', async () => {
    // The asker is in HR, but the channel is bound to the handbook only: salaries stay out.
    await joinGroup('rido@example.com', 'hr');
    await rig.bind(CHANNEL, [handbook.id], TENANT);
    const question = mention();
    question.text = '<at>ridotest</at> What do engineers in band 4 earn?';
    await rig.send(question);
    await rig.drain();
    expect(JSON.stringify(chatRequests())).not.toMatch(/110,000/);
    expect(JSON.stringify(sent())).not.toMatch(/salary|110,000/i);

    // Bound to HR, the same person's question may use it.
    await rig.reset();
    await rig.bind(CHANNEL, [hr.id], TENANT);
    rig.model.script('*', { reply: 'Band 4 earns 90,000 to 110,000 [1].' });
    await rig.send(question);
    await rig.drain();
    expect(JSON.stringify(chatRequests())).toMatch(/110,000/);
  });

  it('gives a hint in a channel bound to nothing, and posts a friendly sentence when answering fails', async () => {
    await rig.send(mention());
    await rig.drain();
    expect(String(rig.connector.messages()[0]?.activity.text)).toMatch(/connected to a document collection/);
    expect(chatRequests()).toEqual([]);

    await rig.reset();
    await rig.bind(CHANNEL, [handbook.id], TENANT);
    const failing = await rig.buildOther({
      ask: {
        // biome-ignore lint/correctness/useYield: fails before its first event
        async *stream() {
          throw new AppError('upstream_unavailable', 'connection refused by 10.0.0.7');
        },
        run: () => Promise.reject(new Error('unused')),
      },
    });
    await rig.send(mention(), { app: failing });
    await rig.drain();
    const [failure] = rig.connector.messages();
    expect(failure?.conversationId).toBe(`${CHANNEL};messageid=${THREAD_ROOT}`);
    expect(String(failure?.activity.text)).toMatch(/isn’t reachable right now/);
    expect(JSON.stringify(sent())).not.toContain('10.0.0.7');
  });

  it('leaves a channel message alone when it mentions someone else (Microsoft’s docs example)', async () => {
    await rig.bind('19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.skype', [handbook.id]);
    const response = await rig.send(fixtureActivity('message_with_mention_docs_example.json'));
    expect(response.statusCode).toBe(200);
    await rig.drain();
    expect(rig.connector.messages()).toEqual([]);
    expect(chatRequests()).toEqual([]);
  });
});
