import type { FastifyInstance } from 'fastify';
import { AppError, constantTimeEqual } from '#core';
import type { Metrics } from './metrics.ts';

/** Thrown by the readiness check of a process that has begun shutting down. */
export class ShuttingDownError extends Error {
  override readonly name = 'ShuttingDownError';
}

/**
 * A dependency the process needs to serve: the database always, Redis where configured. An optional
 * one (the chat model: answers fail without it, but the console, uploads and search still work) is
 * reported without making the process unready, so an orchestrator does not restart it in a loop.
 */
export interface ReadinessCheck {
  readonly name: string;
  readonly optional?: boolean;
  /** How long the check may take before the part counts as not answering (default 2 s). */
  readonly timeoutMs?: number;
  check(): Promise<void>;
}

/** A failure whose message is safe to show (it names no credentials). */
export class ReadinessFailure extends Error {
  override readonly name = 'ReadinessFailure';
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * Who may read /metrics on this listener: everyone (`public`: development, or the separate
 * METRICS_PORT listener), bearers of METRICS_TOKEN, or nobody (the route is not served).
 */
export type MetricsAccess = { kind: 'public' } | { kind: 'token'; token: string } | { kind: 'none' };

export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { checks: readonly ReadinessCheck[]; metrics: Metrics; metricsAccess: MetricsAccess },
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const results = await Promise.all(
      deps.checks.map(async ({ name, check, optional, timeoutMs }) => {
        const flag = optional ? { optional: true } : {};
        try {
          await withTimeout(check(), timeoutMs ?? CHECK_TIMEOUT_MS);
          return [name, { ok: true, ...flag }] as const;
        } catch (error) {
          // The reason helps an operator; it names the part, not connection strings or credentials.
          const reason =
            error instanceof ShuttingDownError
              ? 'shutting down'
              : error instanceof ReadinessFailure
                ? error.message
                : error instanceof Error && error.name === 'TimeoutError'
                  ? 'timed out'
                  : 'not reachable';
          return [name, { ok: false, error: reason, ...flag }] as const;
        }
      }),
    );
    const failing = results.filter(([, r]) => !r.ok && !('optional' in r)).map(([n]) => n);
    const degraded = results.filter(([, r]) => !r.ok && 'optional' in r).map(([n]) => n);
    const ok = failing.length === 0;
    return reply.status(ok ? 200 : 503).send({
      status: ok ? 'ready' : 'not_ready',
      checks: Object.fromEntries(results),
      ...(ok ? {} : { failing }),
      ...(degraded.length > 0 ? { degraded } : {}),
    });
  });

  const access = deps.metricsAccess;
  if (access.kind !== 'none') registerMetricsRoute(app, deps.metrics, access);
}

/** Process and request figures name routes, versions and load: not for anonymous callers in production. */
export function registerMetricsRoute(
  app: FastifyInstance,
  metrics: Metrics,
  access: Exclude<MetricsAccess, { kind: 'none' }>,
): void {
  app.get('/metrics', async (request, reply) => {
    if (access.kind === 'token') {
      const header = request.headers.authorization ?? '';
      const given = header.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : '';
      if (!constantTimeEqual(given, access.token)) {
        throw new AppError('unauthenticated', 'Send the metrics token as "Authorization: Bearer <token>".');
      }
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
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
