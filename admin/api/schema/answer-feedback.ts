/**
 * 👍 / 👎 on an answer from the console's Playground, stored exactly as a Slack or Teams rating is: on the
 * message, by its asker only, so the Feedback page can be tried without a chat platform. Unlike a chat
 * rating it comes through the admin API, and every change there is audited.
 */
import type { IResolvers } from '@graphql-tools/utils';
import { z } from 'zod';
import { AppError } from '#core';
import { recordFeedback } from '#db';
import { type AdminContext, actorOf, audited } from '../context.ts';
import { idRule, optionalText, parseInput } from '../validation.ts';

export const typeDefs = `
type Mutation {
  "Rates an answer you were given (in the Playground): up or down, with an optional comment for a down. Only the asker may rate; rating again replaces the rating."
  rateAnswer(messageId: ID!, value: Feedback!, comment: String): Boolean! @allow(roles: [admin, curator, auditor, member])
}
`;

export const resolvers: IResolvers<unknown, AdminContext> = {
  Mutation: {
    rateAnswer: async (_parent, args, ctx) => {
      const actor = actorOf(ctx);
      const input = parseInput(
        z.object({ messageId: idRule, value: z.enum(['up', 'down']), comment: optionalText(2000) }),
        args,
      );
      return audited(ctx, async (tx, record) => {
        const rated = await recordFeedback(tx, {
          messageId: input.messageId,
          raterId: actor.userId,
          value: input.value,
          comment: input.comment ?? null,
        });
        // Someone else's answer and a missing one read the same: which answers exist is not the rater's to learn.
        if (!rated)
          throw new AppError('not_found', 'No answer of yours with that id.', {
            localized: { key: 'errors.noSuchAnswer' },
          });
        await record({
          action: 'feedback.give',
          targetType: 'message',
          targetId: input.messageId,
          data: { feedback: input.value, comment: input.comment ?? null, via: 'console' },
        });
        return true;
      });
    },
  },
};
