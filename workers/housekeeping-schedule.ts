/**
 * Housekeeping on a schedule: the usage rollup every hour, the retention purge every day. On BullMQ these
 * are job schedulers kept in Redis (one run per interval, whichever worker takes it); in-process they are
 * timers. Registering again replaces the schedule, so every process may do it at start.
 */
import type { Config, JobName, JobPayloads } from '#core';

export interface RecurringJobs {
  /** Enqueues `name` every `everyMs`; re-registering the same `id` replaces its schedule. */
  repeat<N extends JobName>(id: string, name: N, payload: JobPayloads[N], everyMs: number): Promise<void>;
  cancelRepeat(id: string): Promise<void>;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/**
 * The purge is scheduled even when RETENTION_DAYS is 0 (keep forever): an admin may set a retention in
 * the settings later, and the stored setting wins over the payload's default when the job runs.
 */
export async function scheduleHousekeeping(
  jobs: RecurringJobs,
  config: Pick<Config, 'RETENTION_DAYS'>,
): Promise<void> {
  await jobs.repeat('rollup-usage', 'rollup-usage', {}, HOUR_MS);
  await jobs.repeat(
    'purge-conversations',
    'purge-conversations',
    { olderThanDays: config.RETENTION_DAYS },
    DAY_MS,
  );
}
