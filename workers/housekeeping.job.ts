/** Handlers of the scheduled housekeeping jobs: the retention purge (and chat event ids) and the usage rollup. */
import { AppError, type Logger } from '#core';
import {
  type Db,
  purgeConversations,
  purgeProcessedEvents,
  readAuditHead,
  readSettings,
  rollupUsage,
  utcDay,
} from '#db';
import type { JobHandler } from './job-handlers.ts';

export interface HousekeepingDeps {
  readonly db: Db;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export function createPurgeConversationsHandler(deps: HousekeepingDeps): JobHandler<'purge-conversations'> {
  return async ({ olderThanDays: configured }) => {
    if (!Number.isInteger(configured) || configured < 0) {
      throw new AppError('invalid_input', `olderThanDays must be a whole number of days, got ${configured}`);
    }
    // The retention an admin set in the settings (admin API) wins over RETENTION_DAYS; 0 keeps everything.
    const now = deps.now?.() ?? new Date();
    // The audit chain's head, once a day, outside the table: whoever can delete the newest events from
    // the database cannot reach the log archive, and verifyAuditChain takes this head to notice the cut.
    const head = await readAuditHead(deps.db);
    if (head) deps.logger.info({ auditHead: head }, 'audit chain head');
    // Slack and Teams retry a delivery for minutes: a day of event ids is ample for dedupe, whatever
    // the retention of conversations.
    const events = await purgeProcessedEvents(deps.db, new Date(now.getTime() - 86_400_000));
    if (events > 0) deps.logger.info({ events }, 'old chat event ids purged');
    const settings = await readSettings(deps.db, { retentionDays: configured });
    const olderThanDays = settings.retentionDays;
    if (olderThanDays === 0) return;
    const deleted = await purgeConversations(deps.db, olderThanDays, now, settings.modelPrices);
    if (deleted > 0) deps.logger.info({ deleted, olderThanDays }, 'old conversations purged');
  };
}

export function createRollupUsageHandler(deps: HousekeepingDeps): JobHandler<'rollup-usage'> {
  return async ({ day }) => {
    if (day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
      throw new AppError('invalid_input', `day must be YYYY-MM-DD, got ${day}`);
    }
    const now = deps.now?.() ?? new Date();
    // Without a day: yesterday (its last hour may have been missed) and today so far.
    const days = day ? [day] : [utcDay(new Date(now.getTime() - 86_400_000)), utcDay(now)];
    const { modelPrices } = await readSettings(deps.db, { retentionDays: 0 });
    for (const d of days) await rollupUsage(deps.db, d, modelPrices);
  };
}
