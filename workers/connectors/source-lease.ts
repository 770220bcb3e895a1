/**
 * One run of a source at a time, across every process on the database: a scheduled run and a "run now",
 * or two BullMQ workers, never sync the same source together. The lease is a row (sources.lease_owner,
 * lease_expires_at) rather than an advisory lock because the embedded database has one backend that every
 * connection shares (an advisory lock would be granted to all of them), and because a killed worker's
 * lease simply expires instead of needing its connection to die.
 */
import { randomUUID } from 'node:crypto';
import { AppError, type Logger, type SourceStore } from '#core';

/** How long a lease lasts without renewal: how long a killed worker's run blocks the next one. */
export const SOURCE_LEASE_MS = 90_000;

export interface SourceLeaseOptions {
  readonly ttlMs?: number | undefined;
  /** How often the running run renews its lease (default a third of the ttl). */
  readonly renewEveryMs?: number | undefined;
}

/**
 * Runs `work` while holding the source's lease; returns false without running it when another run holds
 * the lease. A run that loses its lease (it could not renew in time and another took over) is aborted, so
 * the two never write together for long.
 */
export async function withSourceLease(
  sources: SourceStore,
  sourceId: string,
  { signal, logger, options = {} }: { signal: AbortSignal; logger: Logger; options?: SourceLeaseOptions },
  work: (signal: AbortSignal) => Promise<void>,
): Promise<boolean> {
  const ttlMs = options.ttlMs ?? SOURCE_LEASE_MS;
  const owner = randomUUID();
  if (!(await sources.acquireLease(sourceId, owner, ttlMs))) return false;
  const lost = new AbortController();
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = sources
        .renewLease(sourceId, owner, ttlMs)
        .then((held) => {
          if (!held) {
            lost.abort(new AppError('conflict', 'Another run of this source took over.', { expose: true }));
          }
        })
        .catch((error: unknown) => logger.warn({ err: error, sourceId }, 'source lease not renewed'));
    },
    options.renewEveryMs ?? Math.floor(ttlMs / 3),
  );
  timer.unref();
  try {
    await work(AbortSignal.any([signal, lost.signal]));
    return true;
  } finally {
    clearInterval(timer);
    await renewing;
    await sources.releaseLease(sourceId, owner);
  }
}
