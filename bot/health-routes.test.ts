import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerHealthRoutes } from './health-routes.ts';
import { createMetrics } from './metrics.ts';

const apps: ReturnType<typeof Fastify>[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

/** A database that answers its ping only after `ms` (busy with one long statement, as PGlite's one backend is). */
const busyFor = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));

function appWith(timeoutMs?: number) {
  const app = Fastify();
  apps.push(app);
  registerHealthRoutes(app, {
    checks: [{ name: 'database', check: busyFor(2_300), ...(timeoutMs ? { timeoutMs } : {}) }],
    metrics: createMetrics(),
    metricsAccess: { kind: 'none' },
  });
  return app;
}

describe('/readyz', () => {
  it('keeps a busy part ready within its own time limit, and names one that misses it', async () => {
    const patient = await appWith(10_000).inject('/readyz');
    expect(patient.statusCode).toBe(200);
    const strict = await appWith().inject('/readyz');
    expect(strict.statusCode).toBe(503);
    expect(strict.json()).toMatchObject({
      failing: ['database'],
      checks: { database: { error: 'timed out' } },
    });
  });
});
