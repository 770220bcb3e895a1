/**
 * The worker container's health check: `node workers/healthcheck.ts [FILE]` exits 0 while the worker's
 * heartbeat file (FILE, or WORKER_HEARTBEAT_FILE) is fresh, 1 otherwise, saying why in one line.
 */
import { HEARTBEAT_STALE_MS, isHeartbeatFresh } from './heartbeat.ts';

const file = process.argv[2] ?? process.env.WORKER_HEARTBEAT_FILE;
if (!file) {
  process.stderr.write('worker health: no heartbeat file (pass one, or set WORKER_HEARTBEAT_FILE)\n');
  process.exit(1);
}
if (!isHeartbeatFresh(file)) {
  process.stderr.write(
    `worker health: ${file} not touched in the last ${HEARTBEAT_STALE_MS / 1000} s (database or Redis not answering, or the worker hangs)\n`,
  );
  process.exit(1);
}
process.exit(0);
