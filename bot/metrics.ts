import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly asks: Counter<'answered'>;
  readonly askLatency: Histogram;
  readonly ingested: Counter<'status'>;
}

/** A registry per app instance, so that tests building several apps do not collide. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'exgpt_' });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'exgpt_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    asks: new Counter({
      name: 'exgpt_questions_total',
      help: 'Questions answered, by whether the documents held an answer',
      labelNames: ['answered'],
      registers: [registry],
    }),
    askLatency: new Histogram({
      name: 'exgpt_answer_duration_seconds',
      help: 'Time from question to stored answer',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    ingested: new Counter({
      name: 'exgpt_documents_ingested_total',
      help: 'Documents processed by ingestion, by outcome',
      labelNames: ['status'],
      registers: [registry],
    }),
  };
}
