/**
 * Issue 12 finding 2's load, as deployed with REDIS_URL and no DATABASE_URL: the real web process
 * (`node bot/main.ts`, its embedded database in its database thread, served on DATA_DIR's socket) and one
 * worker process (`node workers/main.ts`). `docs` documents of `mb` MB (Korean and English handbook text)
 * are uploaded, 5 at a time, while `asks` questions are asked over REST, 10 at a time. Reports ask p50/p95,
 * the time until every document is ready (or failed), errors of every kind, /readyz answers that were not
 * 200, both processes' peak RSS and whether SIGTERM stopped both. Reported, never asserted.
 *
 * Standalone: node tests/bench/redis-embedded-bench.ts [--docs 50] [--mb 1] [--asks 100]
 * Through the bench: npm run bench -- --only redis-embedded
 * Redis: REDIS_URL or REDIS_TEST_URL when set, otherwise a redis-server of its own.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type ChildProcessUnderTest, killProcess, spawnProcess } from '../support/processes.ts';
import { startOwnRedis, testPrefix } from '../support/redis.ts';
import { buildKoreanText, buildVariedText } from './ingest-load-bench.ts';
import { type BenchRow, percentile, printTable, progress, round } from './support.ts';

export interface RedisEmbeddedOptions {
  readonly docs?: number;
  readonly mb?: number;
  readonly asks?: number;
}

/** A status poll unanswered this long counts as an error (undici's own limit is 300 s). */
const POLL_TIMEOUT_MS = 60_000;
/** The wait for the documents is given up after this many errors. */
const MAX_ERRORS = 20;

const QUESTIONS = [
  '연차 휴가는 며칠 전에 신청해야 하나요?',
  '출장비 정산은 어떻게 하나요?',
  'How many days of annual leave do I get?',
  '교육비 지원 한도는 얼마인가요?',
  'Who approves travel expenses?',
];

/** Resident memory of a process in MB, from /proc (Linux); NaN where it cannot be read. */
function rssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export async function run(options: RedisEmbeddedOptions = {}): Promise<BenchRow[]> {
  const docs = options.docs ?? 50;
  const mb = options.mb ?? 1;
  const asks = options.asks ?? 100;
  const ownRedis = process.env.REDIS_URL || process.env.REDIS_TEST_URL ? null : await startOwnRedis();
  const redisUrl = process.env.REDIS_URL || process.env.REDIS_TEST_URL || ownRedis!.url;
  const workDir = mkdtempSync(path.join(tmpdir(), 'exgpt-redis-embedded-bench-'));
  const env = {
    DATA_DIR: path.join(workDir, 'data'),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: testPrefix(),
    SEED_SAMPLE_DOCS: 'false',
    LOG_LEVEL: 'warn',
  };
  let web: ChildProcessUnderTest | undefined;
  let worker: ChildProcessUnderTest | undefined;
  const peak = { web: 0, worker: 0 };
  const sampler = setInterval(() => {
    peak.web = Math.max(peak.web, rssMb(web?.child.pid) || 0);
    peak.worker = Math.max(peak.worker, rssMb(worker?.child.pid) || 0);
  }, 250);
  const rows: BenchRow[] = [];
  try {
    web = spawnProcess('bot/main.ts', { ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    const baseUrl = (await web.waitForText(/ex-GPT is ready on (http:\/\/\S+)/, 300_000))[1]!;
    const apiKey = (await web.waitForText(/API key\s+(exg_\S+)/))[1]!;
    worker = spawnProcess('workers/main.ts', { ...env, LOG_LEVEL: 'info' });
    await worker.waitForLog((line) => line.msg === 'worker ready', 300_000);
    const authorization = `Bearer ${apiKey}`;

    const errors: string[] = [];
    const notReady: number[] = [];
    const askMs: number[] = [];
    const ids: string[] = [];
    const started = performance.now();
    progress(`redis-embedded: uploading ${docs} × ${mb} MB while ${asks} asks run`);
    const uploading = forEachConcurrently(
      Array.from({ length: docs }, (_, i) => i),
      5,
      async (i) => {
        const text =
          i % 2 === 0 ? buildKoreanText(mb * 1_000_000, 100 + i) : buildVariedText(mb * 1_000_000, 100 + i);
        const form = new FormData();
        form.set('collection', 'bench');
        form.set('file', new Blob([text], { type: 'text/plain' }), `handbook-${i}.txt`);
        try {
          const response = await fetch(`${baseUrl}/api/v1/documents`, {
            method: 'POST',
            headers: { authorization },
            body: form,
          });
          const body = (await response.json()) as { document?: { id: string } };
          if (response.status !== 202 || !body.document) errors.push(`upload ${i}: HTTP ${response.status}`);
          else ids.push(body.document.id);
        } catch (error) {
          errors.push(`upload ${i}: ${(error as Error).message}`);
        }
      },
    );
    const asking = forEachConcurrently(
      Array.from({ length: asks }, (_, i) => i),
      10,
      async (i) => {
        const t0 = performance.now();
        try {
          const response = await fetch(`${baseUrl}/api/v1/ask`, {
            method: 'POST',
            headers: { authorization, 'content-type': 'application/json' },
            body: JSON.stringify({ question: QUESTIONS[i % QUESTIONS.length] }),
          });
          await response.arrayBuffer();
          if (response.status !== 200) errors.push(`ask ${i}: HTTP ${response.status}`);
          else askMs.push(performance.now() - t0);
        } catch (error) {
          errors.push(`ask ${i}: ${(error as Error).message}`);
        }
      },
    );
    await Promise.all([uploading, asking]);
    const asksDone = (performance.now() - started) / 1000;
    progress(`redis-embedded: ${asks} asks done in ${asksDone.toFixed(1)} s; waiting for every document`);

    let failed = 0;
    let pending = new Set(ids);
    /** The slowest answer while waiting for the documents: a stalled server shows here, not as a crash. */
    let slowestPollMs = 0;
    const poll = async (url: string, init?: RequestInit): Promise<Response | null> => {
      const t0 = performance.now();
      try {
        return await fetch(url, { ...init, signal: AbortSignal.timeout(POLL_TIMEOUT_MS) });
      } catch (error) {
        errors.push(`poll ${url.replace(baseUrl, '')}: ${(error as Error).message}`);
        return null;
      } finally {
        slowestPollMs = Math.max(slowestPollMs, performance.now() - t0);
      }
    };
    while (pending.size > 0) {
      if (errors.length > MAX_ERRORS)
        throw new Error(`gave up after ${errors.length} errors: ${errors.slice(-3).join('; ')}`);
      const ready = await poll(`${baseUrl}/readyz`);
      if (ready?.status !== 200) notReady.push(ready?.status ?? 0);
      const still = new Set<string>();
      for (const id of pending) {
        const response = await poll(`${baseUrl}/api/v1/documents/${id}`, { headers: { authorization } });
        const status = response
          ? ((await response.json()) as { document?: { status: string } }).document?.status
          : undefined;
        if (status === 'failed') failed++;
        else if (status !== 'ready') still.add(id);
      }
      pending = still;
      if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const allReady = (performance.now() - started) / 1000;

    worker.kill('SIGTERM');
    web.kill('SIGTERM');
    const exits = await Promise.all([worker.exited, web.exited]);
    const label = `redis-embedded ${docs} × ${mb} MB, ${asks} asks`;
    rows.push(
      { name: `${label}: ask p50`, value: round(percentile(askMs, 50)), unit: 'ms' },
      { name: `${label}: ask p95`, value: round(percentile(askMs, 95)), unit: 'ms' },
      { name: `${label}: time to all ready`, value: round(allReady), unit: 's' },
      {
        name: `${label}: errors`,
        value: errors.length + failed,
        unit: '',
        note: [`${failed} documents failed`, ...errors.slice(0, 3)].join('; '),
      },
      { name: `${label}: /readyz not 200`, value: notReady.length, unit: 'polls' },
      { name: `${label}: slowest status poll while waiting`, value: round(slowestPollMs), unit: 'ms' },
      { name: `${label}: peak RSS web`, value: round(peak.web), unit: 'MB' },
      { name: `${label}: peak RSS worker`, value: round(peak.worker), unit: 'MB' },
      {
        name: `${label}: SIGTERM exit codes (worker, web)`,
        value: Number(exits.every((code) => code === 0)),
        unit: 'both 0',
        note: `${exits.join(', ')}; load ${loadavg()[0]?.toFixed(1)}`,
      },
    );
  } catch (error) {
    // What the processes said is the only clue to a stall: kept beside the bench's own output.
    const kept = path.join(tmpdir(), `exgpt-redis-embedded-bench-${process.pid}`);
    mkdirSync(kept, { recursive: true });
    writeFileSync(path.join(kept, 'web.log'), web?.output() ?? '');
    writeFileSync(path.join(kept, 'worker.log'), worker?.output() ?? '');
    progress(`redis-embedded: failed; the processes' logs are in ${kept}`);
    throw error;
  } finally {
    clearInterval(sampler);
    await killProcess(worker);
    await killProcess(web);
    await ownRedis?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      docs: { type: 'string', default: '50' },
      mb: { type: 'string', default: '1' },
      asks: { type: 'string', default: '100' },
    },
  });
  printTable(await run({ docs: Number(values.docs), mb: Number(values.mb), asks: Number(values.asks) }));
  process.exit(0);
}
