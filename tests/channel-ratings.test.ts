/**
 * Ratings of an answer shown in a channel, as reviewers and auditors see them: each person's own 👍/👎
 * counted once (a second rating replaces theirs), a 👎 from any member puts the answer in the review
 * queue, usage and exports count them, and the asker's rating stays the answer's own. In DMs and private
 * answers only the asker rates. Korean questions; PGlite and real PostgreSQL.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatAnswers, recordFeedback } from '#db';
import { buildAdminApp, gqlOk, issueToken } from './support/admin.ts';
import { DATABASE_KINDS } from './support/databases.ts';
import {
  buildCollection,
  buildUser,
  createTestEngine,
  ingestText,
  type TestEngine,
} from './support/engine.ts';

describe.each(DATABASE_KINDS)('channel ratings on %s', (kind) => {
  let t: TestEngine;
  let app: FastifyInstance;
  let token: string;
  let collectionId: string;

  beforeAll(async () => {
    t = await createTestEngine({}, { databaseKind: kind });
    app = await buildAdminApp(t);
    token = await issueToken(t.database.db, t.admin.userId);
    collectionId = (await buildCollection(t, { everyone: true })).id;
    await ingestText(t, {
      collectionId,
      filename: '휴가규정.md',
      text: '# 휴가\n\n연차 휴가는 매년 15일이 주어진다. 남은 휴가는 다음 해 3월까지 쓸 수 있다.\n',
    });
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  async function answer(
    question: string,
    asker: { userId: string; email: string; role: 'member' },
    place: 'channel' | 'direct',
  ) {
    const result = await t.engine.ask.run({
      principal: asker,
      question,
      conversation: {
        platform: 'slack',
        channelId: place === 'channel' ? 'C0RATINGS' : 'D0RATINGS',
        threadId: null,
      },
      scope: { userId: asker.userId, collectionIds: [collectionId] },
    });
    await createChatAnswers(t.database.db).attachPlatformMessage(
      result.messageId,
      `${Date.now()}.${Math.floor(Math.random() * 1e6)}`,
      place === 'channel',
    );
    return result.messageId;
  }

  it('counts each person once, lets a second rating replace one’s own, and never replaces the asker’s', async () => {
    const [asker, jiho, minji, outsider] = await Promise.all(
      ['asker', 'jiho', 'minji', 'dm-outsider'].map((name) =>
        buildUser(t, { email: `${name}@example.co.kr` }),
      ),
    );
    const inChannel = await answer('연차 휴가는 며칠인가요?', { ...asker!, role: 'member' }, 'channel');
    const inDm = await answer('남은 휴가는 언제까지 쓸 수 있나요?', { ...asker!, role: 'member' }, 'direct');
    const rate = (messageId: string, raterId: string, value: 'up' | 'down', comment?: string) =>
      recordFeedback(t.database.db, { messageId, raterId, value, comment: comment ?? null });

    expect(await rate(inChannel, asker!.userId, 'up')).toBe(true);
    expect(await rate(inChannel, jiho!.userId, 'down', '3월이 아니라 2월까지입니다.')).toBe(true);
    expect(await rate(inChannel, minji!.userId, 'down')).toBe(true);
    expect(await rate(inChannel, minji!.userId, 'up')).toBe(true); // minji changes her mind
    expect(await rate(inChannel, jiho!.userId, 'down')).toBe(true); // jiho clicks again
    // A DM answer: only its asker rates it.
    expect(await rate(inDm, outsider!.userId, 'down')).toBe(false);

    type Rated = {
      id: string;
      feedback: string | null;
      ratingsUp: number;
      ratingsDown: number;
      ratings: { value: string; byAsker: boolean; user: { email: string } }[];
    };
    const queue = await gqlOk<{ feedbackQueue: { nodes: Rated[] } }>(
      app,
      `{ feedbackQueue { nodes { id feedback ratingsUp ratingsDown ratings { value byAsker user { email } } } } }`,
      {},
      token,
    );
    // The asker was happy, but a colleague was not: the answer is up for review.
    const reviewed = queue.feedbackQueue.nodes.find((m) => m.id === inChannel);
    expect(reviewed).toMatchObject({ feedback: 'up', ratingsUp: 2, ratingsDown: 1 });
    expect(reviewed?.ratings.map((r) => `${r.user.email}:${r.value}:${r.byAsker}`).sort()).toEqual([
      'asker@example.co.kr:up:true',
      'jiho@example.co.kr:down:false',
      'minji@example.co.kr:up:false',
    ]);
    expect(queue.feedbackQueue.nodes.some((m) => m.id === inDm)).toBe(false);

    const usage = await gqlOk<{ usage: { ratings: { up: number; down: number; ratedAnswers: number } } }>(
      app,
      `{ usage { ratings { up down ratedAnswers } } }`,
      {},
      token,
    );
    expect(usage.usage.ratings).toEqual({ up: 2, down: 1, ratedAnswers: 1 });

    const exported = await app.inject({
      url: '/api/v1/exports/conversations?format=jsonl',
      headers: { authorization: `Bearer ${token}` },
    });
    const rows = exported.body
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            message_id: string;
            feedback: string | null;
            ratings_up: number;
            ratings_down: number;
          },
      );
    expect(rows.find((r) => r.message_id === inChannel)).toMatchObject({
      feedback: 'up',
      ratings_up: 2,
      ratings_down: 1,
    });
    expect(rows.find((r) => r.message_id === inDm)).toMatchObject({
      feedback: null,
      ratings_up: 0,
      ratings_down: 0,
    });
  });
});
