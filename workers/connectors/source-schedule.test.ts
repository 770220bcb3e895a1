/**
 * At start, a source a crash left `running` is queued again to resume; when a killed worker's lease still
 * holds it, the resume waits for the lease to expire instead of being skipped by it.
 */
import { describe, expect, it } from 'vitest';
import type { EnqueueOptions, JobName, JobPayloads, JobQueue, StoredSource } from '#core';
import type { RecurringJobs } from '../housekeeping-schedule.ts';
import { startSources } from './source-schedule.ts';

function recordingQueue() {
  const enqueued: { name: JobName; payload: unknown; options: EnqueueOptions | undefined }[] = [];
  const repeated: { id: string; everyMs: number }[] = [];
  const queue: JobQueue & RecurringJobs = {
    async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options?: EnqueueOptions) {
      enqueued.push({ name, payload, options });
      return `${enqueued.length}`;
    },
    async listFailed() {
      return [];
    },
    async retryFailed() {
      return false;
    },
    async close() {},
    async repeat(id, _name, _payload, everyMs) {
      repeated.push({ id, everyMs });
    },
    async cancelRepeat() {},
  };
  return { queue, enqueued, repeated };
}

const source = (overrides: Partial<StoredSource>): StoredSource => ({
  id: 'source',
  name: '인사 공유 폴더',
  kind: 'folder',
  collectionId: 'collection',
  config: {},
  sealedSecret: null,
  scheduleMinutes: null,
  paused: false,
  cursor: null,
  runNumber: 3,
  state: 'idle',
  lastRun: null,
  leaseExpiresAt: null,
  createdAt: new Date(),
  updatedAt: new Date(),
  ...overrides,
});

describe('startSources', () => {
  it("resumes a crashed run at once, a killed worker's run once its lease has expired, and schedules the rest", async () => {
    const { queue, enqueued, repeated } = recordingQueue();
    const leaseEnds = new Date(Date.now() + 60_000);
    await startSources(queue, [
      source({ id: 'released', state: 'running' }),
      source({ id: 'still-leased', state: 'running', leaseExpiresAt: leaseEnds }),
      source({ id: 'expired', state: 'running', leaseExpiresAt: new Date(Date.now() - 1000) }),
      source({ id: 'idle', scheduleMinutes: 30 }),
    ]);
    expect(repeated).toEqual([{ id: 'schedule:sync-source:idle', everyMs: 30 * 60_000 }]);
    expect(enqueued.map((job) => (job.payload as { sourceId: string }).sourceId)).toEqual([
      'released',
      'still-leased',
      'expired',
    ]);
    expect(enqueued[0]?.options).toEqual({ jobId: 'sync-source:released' });
    expect(enqueued[2]?.options).toEqual({ jobId: 'sync-source:expired' });
    const delay = enqueued[1]?.options?.delayMs ?? 0;
    // Until the lease's end, plus a second's margin.
    expect(delay).toBeGreaterThan(59_000);
    expect(delay).toBeLessThanOrEqual(61_000);
  });
});
