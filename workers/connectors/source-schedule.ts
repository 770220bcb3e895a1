/** Each source's schedule as a recurring `sync-source` job; paused or unscheduled sources have none. */
import type { JobQueue, StoredSource } from '#core';
import type { RecurringJobs } from '../housekeeping-schedule.ts';

const scheduleId = (sourceId: string) => `schedule:sync-source:${sourceId}`;

export async function scheduleSource(
  jobs: RecurringJobs,
  source:
    | Pick<StoredSource, 'id' | 'paused' | 'scheduleMinutes'>
    | { readonly id: string; readonly deleted: true },
): Promise<void> {
  if ('deleted' in source || source.paused || source.scheduleMinutes === null) {
    await jobs.cancelRepeat(scheduleId(source.id));
    return;
  }
  await jobs.repeat(
    scheduleId(source.id),
    'sync-source',
    { sourceId: source.id },
    source.scheduleMinutes * 60_000,
  );
}

export async function scheduleSources(jobs: RecurringJobs, sources: readonly StoredSource[]): Promise<void> {
  for (const source of sources) await scheduleSource(jobs, source);
}

/**
 * At start: every source's schedule, and the runs a crash left `running` queued again, so they resume
 * (their job id makes a second process's attempt at the same a no-op). A killed worker's lease still
 * holds the source until it expires, so the resume waits until then instead of being skipped.
 */
export async function startSources(
  jobs: JobQueue & RecurringJobs,
  sources: readonly StoredSource[],
): Promise<void> {
  await scheduleSources(jobs, sources);
  for (const source of sources) {
    if (source.state === 'running') {
      const leaseLeftMs = source.leaseExpiresAt ? source.leaseExpiresAt.getTime() - Date.now() : 0;
      await jobs.enqueue(
        'sync-source',
        { sourceId: source.id, manual: true },
        {
          jobId: `sync-source:${source.id}`,
          ...(leaseLeftMs > 0 ? { delayMs: leaseLeftMs + 1000 } : {}),
        },
      );
    }
  }
}
