/** Admin API operations: documents, conversations with sources, feedback review, usage, settings, live progress. */
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressFeed } from '#core';
import { recordFeedback, rows } from '#db';
import { createPurgeConversationsHandler } from '../workers/housekeeping.job.ts';
import { createInProcessProgressFeed } from '../workers/in-process-progress-feed.ts';
import { buildAdminApp, errorCode, gql, gqlOk, issueToken, userWithRole } from './support/admin.ts';
import { DATABASE_KINDS } from './support/databases.ts';
import { buildCollection, createTestEngine, ingestText, type TestEngine } from './support/engine.ts';

describe.each(DATABASE_KINDS)('on %s', (kind) => {
  let t: TestEngine;
  let app: FastifyInstance;
  let feed: ProgressFeed;
  let admin: string;

  beforeAll(async () => {
    t = await createTestEngine({}, { databaseKind: kind });
    feed = createInProcessProgressFeed();
    app = await buildAdminApp(t, { progressFeed: feed });
    admin = await issueToken(t.database.db, t.admin.userId);
  });
  afterAll(async () => {
    await app?.close();
    await feed?.close();
    await t?.close();
  });

  function ask(
    question: string,
    options: { platform?: 'slack' | 'api'; channelId?: string | null; collectionIds?: string[] } = {},
  ) {
    return t.engine.ask.run({
      principal: t.admin,
      question,
      conversation: {
        platform: options.platform ?? 'api',
        channelId: options.channelId ?? null,
        threadId: null,
      },
      scope: {
        userId: t.admin.userId,
        ...(options.collectionIds ? { collectionIds: options.collectionIds } : {}),
      },
    });
  }

  describe('documents', () => {
    it('lists with filters and cursor pagination, newest first, without gaps or repeats', async () => {
      const collection = await buildCollection(t, { name: 'paged' });
      for (let i = 0; i < 7; i += 1) {
        await ingestText(t, {
          collectionId: collection.id,
          filename: `page-${i}.md`,
          text: `# Page ${i}\n\nContent number ${i}.`,
        });
      }
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const data: {
          documents: { nodes: { title: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
        } = await gqlOk(
          app,
          'query($c: ID, $after: String) { documents(collectionId: $c, first: 3, after: $after) { nodes { title } pageInfo { hasNextPage endCursor } } }',
          { c: collection.id, after },
          admin,
        );
        seen.push(...data.documents.nodes.map((n) => n.title));
        pages += 1;
        if (!data.documents.pageInfo.hasNextPage) break;
        after = data.documents.pageInfo.endCursor;
      }
      expect(pages).toBe(3);
      expect(seen).toEqual(['page-6', 'page-5', 'page-4', 'page-3', 'page-2', 'page-1', 'page-0']);

      const searched = await gqlOk<{ documents: { nodes: { title: string }[] } }>(
        app,
        '{ documents(search: "page-4", status: ready) { nodes { title } } }',
        {},
        admin,
      );
      expect(searched.documents.nodes.map((n) => n.title)).toEqual(['page-4']);
      const bad = await gql(
        app,
        '{ documents(after: "not-a-cursor") { nodes { id } } }',
        {},
        { token: admin },
      );
      expect(errorCode(bad)).toBe('invalid_input');
      const tooMany = await gql(app, '{ documents(first: 1000) { nodes { id } } }', {}, { token: admin });
      expect(tooMany.errors?.[0]?.extensions?.fields).toEqual({ first: 'must be at most 100' });
    });

    it('shows a document with its chunks, moves it between collections (answers follow), re-indexes and deletes it', async () => {
      const from = await buildCollection(t, { name: 'drafts' });
      const to = await buildCollection(t, { name: 'published' });
      const { document } = await ingestText(t, {
        collectionId: from.id,
        filename: 'expenses.md',
        text: '# Expenses\n\n## Meals\nMeals are reimbursed up to 40 euros per day.\n\n## Hotels\nHotels need approval.',
      });
      const detail = await gqlOk<{
        document: {
          collection: { name: string };
          chunks: { nodes: { headingPath: string[]; text: string }[] };
        };
      }>(
        app,
        'query($id: ID!) { document(id: $id) { status collection { name } chunks { nodes { position headingPath text } } } }',
        { id: document.id },
        admin,
      );
      expect(detail.document.collection.name).toBe('drafts');
      expect(detail.document.chunks.nodes.some((c) => c.text.includes('40 euros'))).toBe(true);

      await gqlOk(
        app,
        'mutation($id: ID!, $c: ID!) { moveDocument(id: $id, collectionId: $c) { collection { name } } }',
        { id: document.id, c: to.id },
        admin,
      );
      expect((await ask('How much for meals per day?', { collectionIds: [to.id] })).answer).toMatch(
        /40 euros/,
      );
      expect((await ask('How much for meals per day?', { collectionIds: [from.id] })).answered).toBe(false);

      const reindexed = await gqlOk<{ reindexDocument: { status: string } }>(
        app,
        'mutation($id: ID!) { reindexDocument(id: $id) { status } }',
        { id: document.id },
        admin,
      );
      expect(reindexed.reindexDocument.status).toBe('queued');
      await t.queue.drain();
      const after = await gqlOk<{ document: { status: string; chunkCount: number } }>(
        app,
        'query($id: ID!) { document(id: $id) { status chunkCount } }',
        { id: document.id },
        admin,
      );
      expect(after.document.status).toBe('ready');
      expect(after.document.chunkCount).toBeGreaterThan(0);

      expect(
        await gqlOk(app, 'mutation($id: ID!) { deleteDocument(id: $id) }', { id: document.id }, admin),
      ).toEqual({ deleteDocument: true });
      expect(
        await rows(t.database.db, sql`select 1 from chunks where document_id = ${document.id}`),
      ).toHaveLength(0);
      expect(
        errorCode(
          await gql(
            app,
            'mutation($id: ID!) { deleteDocument(id: $id) }',
            { id: document.id },
            { token: admin },
          ),
        ),
      ).toBe('not_found');
    });

    it('streams ingestion progress to a subscription over server-sent events', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/graphql',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${admin}`,
        },
        payload: JSON.stringify({
          query:
            'subscription { documentProgress(documentId: "6f1c0d7e-0000-4000-8000-000000000001") { documentId stage percent status } }',
        }),
        payloadAsStream: true,
      });
      expect(response.headers['content-type']).toContain('text/event-stream');
      const stream = response.stream();
      const publisher = setInterval(() => {
        feed.publish({
          documentId: '00000000-0000-4000-8000-000000000000',
          progress: { stage: 'parsing', percent: 5 },
          status: 'processing',
        });
        feed.publish({
          documentId: '6f1c0d7e-0000-4000-8000-000000000001',
          progress: { stage: 'embedding', percent: 60 },
          status: 'processing',
        });
      }, 20);
      let text = '';
      for await (const chunk of stream) {
        text += String(chunk);
        if (/data: .*\n/.test(text)) break;
      }
      clearInterval(publisher);
      stream.destroy();
      expect(JSON.parse(/data: (.*)\n/.exec(text)![1]!)).toEqual({
        data: {
          documentProgress: {
            documentId: '6f1c0d7e-0000-4000-8000-000000000001',
            stage: 'embedding',
            percent: 60,
            status: 'processing',
          },
        },
      });
    });
  });

  describe('conversations, review and usage', () => {
    it('searches conversations and shows the exact sources an answer used, even after re-indexing', async () => {
      const collection = await buildCollection(t, { name: 'it' });
      await ingestText(t, {
        collectionId: collection.id,
        filename: 'vpn.md',
        text: '# VPN\n\nConnect to the VPN with the Tunnel app before 9am.',
      });
      const answer = await ask('How do I connect to the VPN?', {
        platform: 'slack',
        channelId: 'C42',
        collectionIds: [collection.id],
      });
      await ask('What is the meaning of life?', {
        platform: 'slack',
        channelId: 'C42',
        collectionIds: [collection.id],
      });
      await recordFeedback(t.database.db, {
        messageId: answer.messageId,
        raterId: t.admin.userId,
        value: 'down',
        comment: 'wrong app',
      });
      await ingestText(t, {
        collectionId: collection.id,
        filename: 'vpn.md',
        text: '# VPN\n\nThe VPN is gone; use Zero Trust.',
      });

      const auditor = await userWithRole(t, 'auditor');
      const found = await gqlOk<{
        conversations: {
          nodes: { id: string; platform: string; channelId: string; firstQuestion: string }[];
        };
      }>(
        app,
        '{ conversations(search: "VPN", platform: slack, channelId: "C42", feedback: down) { nodes { id platform channelId firstQuestion } } }',
        {},
        auditor.token,
      );
      expect(found.conversations.nodes).toHaveLength(1);
      expect(found.conversations.nodes[0]).toMatchObject({
        platform: 'slack',
        channelId: 'C42',
        firstQuestion: 'How do I connect to the VPN?',
      });
      const unanswered = await gqlOk<{ conversations: { nodes: { firstQuestion: string }[] } }>(
        app,
        '{ conversations(unanswered: true) { nodes { firstQuestion } } }',
        {},
        auditor.token,
      );
      expect(unanswered.conversations.nodes.map((n) => n.firstQuestion)).toContain(
        'What is the meaning of life?',
      );

      const detail = await gqlOk<{
        conversation: {
          messages: {
            feedback: string;
            sources: {
              n: number;
              title: string;
              text: string;
              documentVersion: number;
              document: { version: number };
            }[];
          }[];
        };
      }>(
        app,
        'query($id: ID!) { conversation(id: $id) { messages { feedback feedbackComment sources { n title text documentVersion document { version } } } } }',
        { id: found.conversations.nodes[0]!.id },
        auditor.token,
      );
      const source = detail.conversation.messages[0]!.sources[0]!;
      expect(detail.conversation.messages[0]!.feedback).toBe('down');
      expect(source).toMatchObject({ n: 1, title: 'VPN', documentVersion: 1, document: { version: 2 } });
      expect(source.text).toContain('Tunnel app');
    });

    it('queues poorly rated answers for review until a curator reviews them', async () => {
      const curator = await userWithRole(t, 'curator');
      const queue = await gqlOk<{ feedbackQueue: { nodes: { id: string; question: string }[] } }>(
        app,
        '{ feedbackQueue { nodes { id question feedbackComment } } }',
        {},
        curator.token,
      );
      const item = queue.feedbackQueue.nodes.find((n) => n.question === 'How do I connect to the VPN?')!;
      expect(item).toBeDefined();
      await gqlOk(
        app,
        'mutation($id: ID!) { reviewFeedback(messageId: $id, note: "updated vpn.md") { reviewedAt } }',
        { id: item.id },
        curator.token,
      );
      const after = await gqlOk<{ feedbackQueue: { nodes: { id: string }[] } }>(
        app,
        '{ feedbackQueue { nodes { id } } }',
        {},
        curator.token,
      );
      expect(after.feedbackQueue.nodes.map((n) => n.id)).not.toContain(item.id);
      const withUnanswered = await gqlOk<{ feedbackQueue: { nodes: { question: string }[] } }>(
        app,
        '{ feedbackQueue(includeUnanswered: true) { nodes { question } } }',
        {},
        curator.token,
      );
      expect(withUnanswered.feedbackQueue.nodes.map((n) => n.question)).toContain(
        'What is the meaning of life?',
      );
    });

    it('reports usage per day, model, platform, channel and collection, with top documents and unanswered questions', async () => {
      const today = new Date().toISOString().slice(0, 10);
      await t.database.db.execute(sql`update messages set model = 'gpt-4o-mini', prompt_tokens = 1000000, completion_tokens = 1000000
        where question = 'How do I connect to the VPN?'`);
      const data = await gqlOk<{
        usage: Record<string, unknown> & { days: { day: string; questions: number }[] };
      }>(
        app,
        `query($from: Date, $to: Date) { usage(from: $from, to: $to) {
          totals { questions unanswered unansweredRate latencyP50Ms latencyP95Ms promptTokens estimatedCostUsd }
          days { day questions unanswered estimatedCostUsd }
          models { model questions estimatedCostUsd priced }
          platforms { platform questions unanswered }
          channels { platform channelId questions }
          collections { collectionName answers citations }
          topCitedDocuments { title citations }
          topUnansweredQuestions { question count }
        } }`,
        { from: today, to: today },
        admin,
      );
      const usage = data.usage as {
        totals: {
          questions: number;
          unanswered: number;
          unansweredRate: number;
          latencyP50Ms: number;
          estimatedCostUsd: number;
        };
        days: { day: string; questions: number; estimatedCostUsd: number }[];
        models: { model: string; estimatedCostUsd: number; priced: boolean }[];
        platforms: { platform: string; questions: number }[];
        channels: { platform: string; channelId: string; questions: number }[];
        collections: { collectionName: string }[];
        topCitedDocuments: { title: string }[];
        topUnansweredQuestions: { question: string; count: number }[];
      };
      const [counts] = await rows<{ n: number; u: number }>(
        t.database.db,
        sql`select count(*)::int n, (count(*) filter (where not answered))::int u from messages`,
      );
      expect(usage.totals.questions).toBe(counts!.n);
      expect(usage.totals.unanswered).toBe(counts!.u);
      expect(usage.totals.unansweredRate).toBeCloseTo(counts!.u / counts!.n, 6);
      expect(usage.totals.latencyP50Ms).toBeGreaterThanOrEqual(0);
      expect(usage.totals.estimatedCostUsd).toBeCloseTo(0.15 + 0.6, 6);
      expect(usage.days).toEqual([expect.objectContaining({ day: today, questions: counts!.n })]);
      expect(usage.models).toContainEqual({
        model: 'gpt-4o-mini',
        questions: 1,
        estimatedCostUsd: expect.closeTo(0.75, 6),
        priced: true,
      });
      expect(usage.platforms).toContainEqual(expect.objectContaining({ platform: 'slack', questions: 2 }));
      expect(usage.channels).toContainEqual(
        expect.objectContaining({ platform: 'slack', channelId: 'C42', questions: 2 }),
      );
      expect(usage.collections.map((c) => c.collectionName)).toContain('it');
      expect(usage.topCitedDocuments.map((d) => d.title)).toContain('VPN');
      expect(usage.topUnansweredQuestions).toContainEqual({
        question: 'What is the meaning of life?',
        count: 1,
      });

      const range = await gql(
        app,
        '{ usage(from: "2026-01-10", to: "2026-01-01") { totals { questions } } }',
        {},
        { token: admin },
      );
      expect(errorCode(range)).toBe('invalid_input');
    });
  });

  describe('settings', () => {
    it('redacts e-mail addresses and phone numbers in questions stored after the change', async () => {
      const before = await ask('Mail jane@example.com or call +49 30 1234567 about leave?');
      await gqlOk(
        app,
        'mutation { updateSettings(redactEmails: true, redactPhoneNumbers: true, retentionDays: 30) { redactEmails } }',
        {},
        admin,
      );
      const after = await ask('Mail jane@example.com or call +49 30 1234567 about leave?');
      const stored = await rows<{ id: string; question: string }>(
        t.database.db,
        sql`select id, question from messages where id in (${before.messageId}, ${after.messageId})`,
      );
      expect(stored.find((m) => m.id === before.messageId)?.question).toContain('jane@example.com');
      expect(stored.find((m) => m.id === after.messageId)?.question).toBe(
        'Mail [email] or call [phone] about leave?',
      );
      const settings = await gqlOk<{ settings: unknown }>(
        app,
        '{ settings { retentionDays redactEmails redactPhoneNumbers } }',
        {},
        admin,
      );
      expect(settings.settings).toEqual({ retentionDays: 30, redactEmails: true, redactPhoneNumbers: true });
    });

    it('applies the retention set by an admin to the scheduled purge, over RETENTION_DAYS', async () => {
      const old = await ask('What was the policy in the old days?');
      await t.database.db.execute(sql`update conversations set updated_at = now() - interval '40 days'
        where id = ${old.conversationId}`);
      const purge = createPurgeConversationsHandler({ db: t.database.db, logger: t.engine.logger });
      const signal = new AbortController().signal;
      const usageToday = async () => {
        const today = new Date().toISOString().slice(0, 10);
        const data = await gqlOk<{ usage: { totals: { questions: number }; days: { questions: number }[] } }>(
          app,
          'query($d: Date) { usage(from: $d, to: $d) { totals { questions } days { questions } } }',
          { d: today },
          admin,
        );
        return [data.usage.totals.questions, data.usage.days[0]!.questions];
      };
      const before = await usageToday();
      // The schedule passes RETENTION_DAYS (365): the admin's 30 days (set above) decide.
      await purge({ olderThanDays: 365 }, { attempt: 1, signal });
      expect(
        await rows(t.database.db, sql`select 1 from conversations where id = ${old.conversationId}`),
      ).toHaveLength(0);
      // The purge rolled the day up first: the figures still count the deleted question.
      expect(await usageToday()).toEqual(before);
      await gqlOk(app, 'mutation { updateSettings(retentionDays: 0) { retentionDays } }', {}, admin);
      const kept = await ask('And the even older policy?');
      await t.database.db.execute(
        sql`update conversations set updated_at = now() - interval '4000 days' where id = ${kept.conversationId}`,
      );
      await purge({ olderThanDays: 365 }, { attempt: 1, signal });
      expect(
        await rows(t.database.db, sql`select 1 from conversations where id = ${kept.conversationId}`),
      ).toHaveLength(1);
    });
  });
});
