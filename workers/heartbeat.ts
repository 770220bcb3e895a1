/**
 * A worker has no HTTP port, so its liveness is a file: touched every `intervalMs` while the database and
 * Redis answer. `workers/healthcheck.ts` (the container's health check) calls it unhealthy once the file is
 * older than a few intervals: a worker that hangs or lost its database stops touching it.
 */
import { closeSync, openSync, statSync, utimesSync } from 'node:fs';

export const HEARTBEAT_INTERVAL_MS = 10_000;
export const HEARTBEAT_STALE_MS = 45_000;

export function startHeartbeat(options: {
  file: string;
  check: () => Promise<void>;
  intervalMs?: number;
  onError?: (error: unknown) => void;
}): { stop(): void } {
  const beat = async () => {
    try {
      await options.check();
      const now = new Date();
      closeSync(openSync(options.file, 'a'));
      utimesSync(options.file, now, now);
    } catch (error) {
      options.onError?.(error);
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Whether `file` was touched within `staleMs` (a missing file is not alive). */
export function isHeartbeatFresh(file: string, staleMs = HEARTBEAT_STALE_MS, now = Date.now()): boolean {
  try {
    return now - statSync(file).mtimeMs <= staleMs;
  } catch {
    return false;
  }
}
