/**
 * node tests/bench/login-flood-bench.ts [--rate 50] [--seconds 10] [--asks 40]
 * Ask latency (p50, p95) on the embedded default with and without a flood of wrong password logins on
 * loopback. The login rate limits are raised so every attempt reaches argon2, as it would for an attacker
 * spread over many addresses: the figure measures what one wrong login costs everyone else.
 * Bounded: at most rate × seconds logins, then it stops. Nothing is asserted; the figures are printed.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildApp } from '../../bot/app.ts';
import { buildCollection, createTestEngine, ingestText } from '../support/engine.ts';
import { type BenchRow, percentile, printTable, progress, round } from './support.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    asks: { type: 'string', default: '40' },
    /** Internal: run only the flood against this server and print the answers as JSON. */
    'flood-url': { type: 'string' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const asks = Number(values.asks);

if (values['flood-url']) {
  await flood(values['flood-url']);
  process.exit(0);
}

/** The attacker, in its own process so that sending never competes with the server for the event loop. */
async function flood(base: string): Promise<void> {
  const statuses: Record<string, number> = {};
  const count = (key: string) => {
    statuses[key] = (statuses[key] ?? 0) + 1;
  };
  const wrongLogin = async () => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
        variables: { e: `nobody-${randomUUID().slice(0, 8)}@example.com`, p: 'wrong-password-틀림' },
      }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    count(`${response.status} ${body.errors?.[0]?.extensions?.code ?? 'ok'}`);
  };
  const total = rate * seconds;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    // Paced against the clock, so a slow answer never delays the next attempt.
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(wrongLogin().catch(() => count('network error')));
  }
  const sendSeconds = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  process.stdout.write(`${JSON.stringify({ sent: total, sendSeconds, statuses })}\n`);
}

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

progress('warming up');
for (let i = 0; i < 5; i += 1) await askOnce();
progress('asks without a flood');
const quiet = await measureAsks();

progress(`asks under ${rate} wrong logins/s for ${seconds} s`);
const attacker = spawn(
  process.execPath,
  [fileURLToPath(import.meta.url), '--flood-url', base, '--rate', String(rate), '--seconds', String(seconds)],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let output = '';
attacker.stdout.on('data', (chunk: Buffer) => {
  output += chunk.toString();
});
const attackerDone = new Promise<void>((resolve) => attacker.on('exit', () => resolve()));
let finished = false;
void attackerDone.then(() => {
  finished = true;
});
const flooded: number[] = [];
while (!finished) flooded.push(await askOnce());
const report = JSON.parse(output.trim()) as {
  sent: number;
  sendSeconds: number;
  statuses: Record<string, number>;
};

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
    value: report.sent,
    unit: 'requests',
    note: `${round(report.sent / report.sendSeconds)}/s; answers: ${Object.entries(report.statuses)
      .map(([s, n]) => `${s} ×${n}`)
      .join(', ')}`,
  },
];
printTable(rows);
await app.close();
await t.close();
