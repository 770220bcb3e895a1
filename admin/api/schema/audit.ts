/** The audit log: filtered, paginated, and verified (hash chain). Read-only by design: nothing edits it. */
import type { IResolvers } from '@graphql-tools/utils';
import { and, desc, eq, gte, like, lt } from 'drizzle-orm';
import { z } from 'zod';
import { type Executor, schema, verifyAuditChain } from '#db';
import { withTargetLabels } from '../audit-target-labels.ts';
import type { AdminContext } from '../context.ts';
import {
  connectionTypeDefs,
  decodeNumberCursor,
  encodeCursor,
  pageArgs,
  toConnection,
} from '../pagination.ts';
import { idRule, parseInput } from '../validation.ts';
import { escapeLike } from './users.ts';

const { auditEvents } = schema;

export const typeDefs = `
type AuditEvent {
  "Sequence number: events are chained in this order."
  id: Int!
  at: DateTime!
  actorId: ID
  "The actor's e-mail address at the time, or system."
  actorLabel: String!
  "What happened, e.g. user.create, auth.login_failed, export.audit."
  action: String!
  targetType: String
  targetId: String
  "What the target is called: a document's title, a collection's or group's name, a user's e-mail; for a target deleted since, the name the event recorded. Null when neither is known."
  targetLabel: String
  data: JSON!
  ip: String
  prevHash: String!
  hash: String!
}

${connectionTypeDefs('AuditEvent')}

type AuditChainVerdict {
  ok: Boolean!
  "Events checked before the first mismatch (all of them when ok)."
  checked: Int!
  "The first event whose hash or link does not match: changed, inserted or deleted around it."
  firstBrokenId: Int
  "The chain ends before the head given: its newest events were deleted."
  truncated: Boolean!
}

type Query {
  "Newest first. actionPrefix matches e.g. \\"auth.\\" for every sign-in event."
  auditEvents(action: String, actionPrefix: String, actorId: ID, targetType: String, targetId: String, from: DateTime, to: DateTime, first: Int = 50, after: String): AuditEventConnection! @allow(roles: [admin, auditor])
  "Recomputes the whole hash chain. headId and headHash: a head recorded earlier (an export's X-Audit-Head header, the daily log line), which must still be in the chain."
  verifyAuditChain(headId: Int, headHash: String): AuditChainVerdict! @allow(roles: [admin, auditor])
}
`;

export const auditFilterArgs = {
  action: z.string().trim().max(100).nullish(),
  actionPrefix: z.string().trim().max(100).nullish(),
  actorId: idRule.nullish(),
  targetType: z.string().trim().max(100).nullish(),
  targetId: z.string().trim().max(300).nullish(),
  from: z.date().nullish(),
  to: z.date().nullish(),
};

export type AuditFilter = { [K in keyof typeof auditFilterArgs]?: z.output<(typeof auditFilterArgs)[K]> };

export function auditWhere(filter: AuditFilter) {
  return and(
    filter.action ? eq(auditEvents.action, filter.action) : undefined,
    filter.actionPrefix ? like(auditEvents.action, `${escapeLike(filter.actionPrefix)}%`) : undefined,
    filter.actorId ? eq(auditEvents.actorId, filter.actorId) : undefined,
    filter.targetType ? eq(auditEvents.targetType, filter.targetType) : undefined,
    filter.targetId ? eq(auditEvents.targetId, filter.targetId) : undefined,
    filter.from ? gte(auditEvents.at, filter.from) : undefined,
    filter.to ? lt(auditEvents.at, filter.to) : undefined,
  );
}

export async function listAuditEvents(
  db: Executor,
  filter: AuditFilter,
  page: { first: number; before: number | null },
) {
  return db
    .select()
    .from(auditEvents)
    .where(and(auditWhere(filter), page.before !== null ? lt(auditEvents.id, page.before) : undefined))
    .orderBy(desc(auditEvents.id))
    .limit(page.first);
}

export const resolvers: IResolvers<unknown, AdminContext> = {
  Query: {
    auditEvents: async (_parent, args, ctx) => {
      const input = parseInput(z.object({ ...auditFilterArgs, ...pageArgs }), args);
      const before = decodeNumberCursor(input.after);
      const rows = await listAuditEvents(ctx.services.db, input, { first: input.first + 1, before });
      return toConnection(await withTargetLabels(ctx.services.db, rows), input.first, (e) =>
        encodeCursor([e.id]),
      );
    },
    verifyAuditChain: (_parent, args, ctx) => {
      const input = parseInput(
        z
          .object({
            headId: z.number().int().positive().nullish(),
            headHash: z
              .string()
              .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest')
              .nullish(),
          })
          .refine((v) => (v.headId == null) === (v.headHash == null), {
            path: ['headHash'],
            message: 'give headId and headHash together',
          }),
        args,
      );
      const head =
        input.headId != null && input.headHash != null ? { id: input.headId, hash: input.headHash } : null;
      return verifyAuditChain(ctx.services.db, head ? { head } : {});
    },
  },
};
