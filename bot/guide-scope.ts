/**
 * ex-GPT's own guide (the `ex-gpt-guide` collection seeded on first start) answers a new admin's first
 * questions in the console, but must not compete with company documents in Slack and Teams: chat answers
 * search every readable collection except it (and a channel bound to it does not get it either).
 */
import { sql } from 'drizzle-orm';
import type { Ask, AskInput, RetrievalScope } from '#core';
import { type Db, rows } from '#db';
import { SAMPLE_COLLECTION } from './sample-docs.ts';

export function withoutGuide(ask: Ask, db: Db): Ask {
  const guideId = async (): Promise<string | null> => {
    const [row] = await rows<{ id: string }>(
      db,
      sql`select id from collections where name = ${SAMPLE_COLLECTION}`,
    );
    return row?.id ?? null;
  };
  const narrow = async (input: AskInput): Promise<AskInput> => {
    const guide = await guideId();
    if (!guide) return input;
    let collectionIds: readonly string[];
    if (input.scope.collectionIds) {
      collectionIds = input.scope.collectionIds.filter((id) => id !== guide);
    } else {
      const others = await rows<{ id: string }>(db, sql`select id from collections where id <> ${guide}`);
      collectionIds = others.map((r) => r.id);
    }
    const scope: RetrievalScope = { ...input.scope, collectionIds };
    return { ...input, scope };
  };
  return {
    async *stream(input) {
      yield* ask.stream(await narrow(input));
    },
    async run(input) {
      return ask.run(await narrow(input));
    },
  };
}
