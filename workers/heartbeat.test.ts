import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isHeartbeatFresh, startHeartbeat } from './heartbeat.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ex-gpt-heartbeat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const healthcheck = (file: string) =>
  spawnSync(process.execPath, [path.join(import.meta.dirname, 'healthcheck.ts'), file], { encoding: 'utf8' });

describe('worker heartbeat', () => {
  it('is healthy while the checks pass, and unhealthy once the file is stale', async () => {
    const file = path.join(dir, 'alive');
    expect(healthcheck(file).status).toBe(1);
    const beat = startHeartbeat({ file, check: async () => {} });
    await expect.poll(() => isHeartbeatFresh(file)).toBe(true);
    beat.stop();
    expect(healthcheck(file).status).toBe(0);
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    const stale = healthcheck(file);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/not touched in the last 45 s/);
  });

  it('does not touch the file while the database or Redis does not answer', async () => {
    const file = path.join(dir, 'down');
    const errors: unknown[] = [];
    const beat = startHeartbeat({
      file,
      check: async () => {
        throw new Error('connection refused');
      },
      onError: (error) => errors.push(error),
    });
    await expect.poll(() => errors.length).toBeGreaterThan(0);
    beat.stop();
    expect(isHeartbeatFresh(file)).toBe(false);
  });
});
