/**
 * node tests/bench/login-flood-bench.ts [--rate 50] [--seconds 10] [--asks 40]
 * Ask latency (p50, p95) on the embedded default with and without a flood of wrong password logins on
 * loopback. The login rate limits are raised so every attempt reaches argon2, as it would for an attacker
 * spread over many addresses: the figure measures what one wrong login costs everyone else.
 * Bounded: at most rate × seconds logins, then it stops. Nothing is asserted; the figures are printed.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { buildApp } from '../../bot/app.ts';
import { buildCollection, createTestEngine, ingestText } from '../support/engine.ts';
import { type BenchRow, percentile, printTable, progress, round } from './support.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    asks: { type: 'string', default: '40' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const asks = Number(values.asks);

const t = await createTestEngine({
  LOGIN_RATE_LIMIT_PER_MINUTE: '10000',
  LOGIN_MAX_FAILURES: '100',
  CHAT_RATE_LIMIT_PER_MINUTE: '10000',
});
const collection = await buildCollection(t, { name: '인사 규정' });
await ingestText(t, {
  collectionId: collection.id,
  filename: 'vacation.md',
  text: '# 연차 휴가\n\n직원은 입사 1년 후 연차 휴가 15일을 받습니다. 3년마다 하루씩 늘어납니다.\n\n# Remote work\n\nEmployees may work from home two days a week with their manager’s approval.\n',
});
const app = await buildApp({
  config: t.config,
  logger: t.engine.logger,
  database: t.database,
  ask: t.engine.ask,
  documents: t.engine.documents,
  queue: t.queue,
  jwtSecret: 'bench-secret-bench-secret-bench-secret-0123',
});
await app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

async function askOnce(): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${base}/api/v1/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` },
    body: JSON.stringify({ question: '연차 휴가는 며칠인가요?' }),
  });
  await response.text();
  if (response.status !== 200) throw new Error(`ask answered ${response.status}`);
  return performance.now() - started;
}

async function measureAsks(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < asks; i += 1) {
    times.push(await askOnce());
    await new Promise((r) => setTimeout(r, 50));
  }
  return times;
}

const statuses = new Map<number, number>();
async function wrongLogin(): Promise<void> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
      variables: { e: `nobody-${randomUUID().slice(0, 8)}@example.com`, p: 'wrong-password-틀림' },
    }),
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  const code = body.errors?.[0]?.extensions?.code === 'rate_limited' ? 429 : response.status;
  statuses.set(code, (statuses.get(code) ?? 0) + 1);
}

progress('warming up');
for (let i = 0; i < 5; i += 1) await askOnce();
progress('asks without a flood');
const quiet = await measureAsks();

progress(`asks under ${rate} wrong logins/s for at most ${seconds} s`);
const inFlight = new Set<Promise<void>>();
const total = rate * seconds;
let sent = 0;
const floodStarted = performance.now();
const timer = setInterval(() => {
  if (sent >= total) return;
  sent += 1;
  const p = wrongLogin().catch(() => {
    statuses.set(-1, (statuses.get(-1) ?? 0) + 1);
  });
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
}, 1000 / rate);
const flooded: number[] = [];
while (sent < total) flooded.push(await askOnce());
clearInterval(timer);
await Promise.all(inFlight);
const floodSeconds = (performance.now() - floodStarted) / 1000;

const rows: BenchRow[] = [
  { name: 'ask p50, quiet', value: round(percentile(quiet, 50)), unit: 'ms' },
  { name: 'ask p95, quiet', value: round(percentile(quiet, 95)), unit: 'ms' },
  {
    name: 'ask p50, login flood',
    value: round(percentile(flooded, 50)),
    unit: 'ms',
    target: '≤ 2× quiet',
    note: `${flooded.length} asks`,
  },
  { name: 'ask p95, login flood', value: round(percentile(flooded, 95)), unit: 'ms' },
  {
    name: 'wrong logins sent',
    value: sent,
    unit: 'requests',
    note: `${round(sent / floodSeconds)}/s; answers: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`,
  },
];
printTable(rows);
await app.close();
await t.close();
