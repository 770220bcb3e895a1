import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.ts';

/** Thrown by the readiness check of a process that has begun shutting down. */
export class ShuttingDownError extends Error {
  override readonly name = 'ShuttingDownError';
}

/** A dependency the process needs to serve: the database always, Redis where configured. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2000;

export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { checks: readonly ReadinessCheck[]; metrics: Metrics },
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const results = await Promise.all(
      deps.checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return [name, { ok: true }] as const;
        } catch (error) {
          // The reason helps an operator; it names the part, not connection strings or credentials.
          const reason =
            error instanceof ShuttingDownError
              ? 'shutting down'
              : error instanceof Error && error.name === 'TimeoutError'
                ? 'timed out'
                : 'not reachable';
          return [name, { ok: false, error: reason }] as const;
        }
      }),
    );
    const ok = results.every(([, r]) => r.ok);
    return reply.status(ok ? 200 : 503).send({
      status: ok ? 'ready' : 'not_ready',
      checks: Object.fromEntries(results),
      ...(ok ? {} : { failing: results.filter(([, r]) => !r.ok).map(([n]) => n) }),
    });
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new Error(`timed out after ${ms} ms`);
      error.name = 'TimeoutError';
      reject(error);
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
