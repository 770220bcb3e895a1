/**
 * "Ask p50/p95 while a 50 MB text and a 5 MB CSV ingest" (issue 12): the real web process on a fresh
 * embedded database is asked over REST, one question after another, while large uploads are parsed,
 * embedded and written. An ask that waits seconds means the event loop (or the embedded database on it)
 * was blocked. Also reports each file's time to ready/failed, the process's peak RSS, the stored error's
 * size and the database's growth per MB of text. The event loop's delay is seen from outside: GET /healthz
 * is sent every 100 ms whatever the previous one is doing, so its latency samples the loop evenly in time
 * (an ask after an ask under-samples a long stall).
 *
 * Standalone: node tests/bench/ingest-load-bench.ts [--files text,csv,ko] [--text-mb 50] [--csv-mb 5] [--ko-mb 5]
 * Through the bench: npm run bench -- --only ingest-load
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApiKey, createUser, openDatabase } from '#db';
import { type BenchRow, percentile, printTable, progress, round } from './support.ts';
import { mulberry32 } from './synthetic.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type LoadFileKind = 'text' | 'csv' | 'ko';

export interface IngestLoadOptions {
  readonly files?: readonly LoadFileKind[];
  readonly textMb?: number;
  readonly csvMb?: number;
  /** A Korean prose handbook (buildKoreanText). */
  readonly koMb?: number;
  /** The run is given up (and reported as such) past this long or this resident memory. */
  readonly maxSeconds?: number;
  readonly maxRssMb?: number;
}

const HANGUL_SYLLABLES = [
  '회',
  '사',
  '규',
  '정',
  '휴',
  '가',
  '연',
  '차',
  '급',
  '여',
  '보',
  '안',
  '문',
  '서',
  '직',
  '원',
];
const PARTICLES = ['은', '는', '이', '가', '을', '를', '에', '에서', '의', '으로'];

/**
 * Varied prose, half Korean and half English pseudo-words, with a vocabulary that keeps growing (as real
 * large documents' does: names, numbers, codes), so the index write sees many distinct terms.
 */
export function buildVariedText(bytes: number, seed = 7): string {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const word = () => {
    if (random() < 0.5) {
      const n = 2 + Math.floor(random() * 3);
      let w = '';
      for (let i = 0; i < n; i++) w += pick(HANGUL_SYLLABLES);
      return random() < 0.4 ? w + pick(PARTICLES) : w;
    }
    const rare = random() < 0.15;
    return rare
      ? `term${Math.floor(random() * 2_000_000).toString(36)}`
      : `word${Math.floor(random() * 3000)}`;
  };
  const parts: string[] = [];
  let size = 0;
  let line = 0;
  while (size < bytes) {
    const words = Array.from({ length: 8 + Math.floor(random() * 20) }, word);
    const sentence = `${words.join(' ')}.${++line % 6 === 0 ? '\n\n' : ' '}`;
    parts.push(sentence);
    size += Buffer.byteLength(sentence);
  }
  return parts.join('');
}

const KOREAN_SENTENCES = [
  '직원은 입사 후 {n}년이 지나면 {d}일의 유급 연차 휴가를 받습니다.',
  '{team}의 출장비는 하루 {m}만 원을 넘지 않도록 정산해야 합니다.',
  '보안 점검은 매월 {d}일에 실시하며, 결과는 {team} 팀장에게 보고합니다.',
  '재택근무는 주 {n}회까지 허용되며 사전에 부서장의 승인을 받아야 합니다.',
  '경조사 휴가는 본인 결혼 시 {d}일, 자녀 결혼 시 {n}일이 주어집니다.',
  '법인카드 사용 내역은 사용일로부터 {d}일 이내에 {team}에 제출합니다.',
  '신규 입사자는 첫 주에 정보보호 교육과 {team} 오리엔테이션을 이수합니다.',
  '야간 근무 수당은 기본급의 {n}0%를 추가로 지급합니다.',
  '사무실 출입 카드를 분실하면 {d}시간 이내에 총무팀에 신고해야 합니다.',
  '개인정보가 담긴 문서는 보관 기간 {n}년이 지나면 파기합니다.',
  '교육비 지원은 연간 {m}만 원 한도에서 {team}의 승인을 거쳐 받을 수 있습니다.',
  '정기 건강검진은 {n}년에 한 번 회사가 지정한 병원에서 받습니다.',
];
const TEAMS = ['인사팀', '재무팀', '총무팀', '보안팀', '영업본부', '연구소', '법무팀', '고객지원센터'];

/**
 * Korean prose as a company handbook reads: numbered articles of sentences about leave, expenses and
 * security, with numbers and departments varying, so the vocabulary is realistic rather than random.
 */
export function buildKoreanText(bytes: number, seed = 5): string {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const parts: string[] = [];
  let size = 0;
  for (let article = 1; size < bytes; article++) {
    const sentences = Array.from({ length: 3 + Math.floor(random() * 5) }, () =>
      pick(KOREAN_SENTENCES)
        .replace('{n}', String(1 + Math.floor(random() * 9)))
        .replace('{d}', String(1 + Math.floor(random() * 30)))
        .replace('{m}', String(5 + Math.floor(random() * 95)))
        .replace('{team}', pick(TEAMS)),
    );
    const paragraph = `제${article}조 (${pick(TEAMS)} 규정 ${article}) ${sentences.join(' ')}\n\n`;
    parts.push(paragraph);
    size += Buffer.byteLength(paragraph);
  }
  return parts.join('');
}

/** A CSV of rows with UUIDs, dates and amounts: nearly every cell a distinct term. */
export function buildUuidCsv(bytes: number, seed = 11): string {
  const random = mulberry32(seed);
  const parts = ['id,employee,부서,date,amount,note\n'];
  let size = parts[0]!.length;
  for (let i = 0; size < bytes; i++) {
    const row = `${randomUUID()},${randomUUID()},${['인사팀', '재무팀', 'Sales', 'R&D'][i % 4]},2026-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')},${Math.floor(random() * 1e7)},row ${i}\n`;
    parts.push(row);
    size += row.length;
  }
  return parts.join('');
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

function rssMb(pid: number): { current: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
    return { current: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { current: Number.NaN, peak: Number.NaN };
  }
}

const METRICS_TOKEN = 'bench-ingest-load-metrics-token';

/** The web process's own event-loop delay maximum (prom-client, since its last scrape), in ms. */
async function readEventLoopLagMax(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const text = await response.text();
    const match = /^exgpt_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text);
    return match ? Number(match[1]) * 1000 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const QUESTIONS = ['연차 휴가는 며칠인가요?', 'How many vacation days do employees get?', '보안 규정 문서'];

export async function run(options: IngestLoadOptions = {}): Promise<BenchRow[]> {
  const files = options.files ?? ['text', 'csv'];
  const textBytes = Math.round((options.textMb ?? 50) * 1024 * 1024 * 0.98);
  const csvBytes = Math.round((options.csvMb ?? 5) * 1024 * 1024);
  const koBytes = Math.round((options.koMb ?? 5) * 1024 * 1024);
  const maxSeconds = options.maxSeconds ?? 900;
  const maxRssMb = options.maxRssMb ?? 6144;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'exgpt-bench-ingest-'));
  const label = files.join(' + ');
  const out: BenchRow[] = [];

  const database = await openDatabase({ dataDir });
  const admin = await createUser(database.db, { email: 'bench-ingest@example.com', role: 'admin' });
  const { key } = await createApiKey(database.db, {
    userId: admin.id,
    name: 'bench',
    scopes: ['ask', 'ingest'],
  });
  await database.close();

  const child = spawn(process.execPath, [path.join(root, 'bot', 'main.ts')], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      SEED_SAMPLE_DOCS: 'false',
      METRICS_TOKEN: METRICS_TOKEN,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logBytes = 0;
  let longestLogLine = 0;
  const countLog = (data: Buffer) => {
    logBytes += data.length;
    for (const line of data.toString().split('\n')) longestLogLine = Math.max(longestLogLine, line.length);
  };
  child.stderr.on('data', countLog);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (data: Buffer) => {
        buffer += data.toString();
        const match = /ready on (http:\/\/\S+)/.exec(buffer);
        if (match) {
          resolve(match[1]!);
          child.stdout.on('data', countLog);
        }
      });
      child.on('exit', (code) => reject(new Error(`web process exited with ${code}`)));
    });
    const headers = { authorization: `Bearer ${key}` };
    const ask = async (question: string): Promise<number> => {
      const t0 = performance.now();
      const response = await fetch(`${url}/api/v1/ask`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ question }),
        signal: AbortSignal.timeout(maxSeconds * 1000),
      });
      await response.arrayBuffer();
      return performance.now() - t0;
    };
    // A small Korean handbook so the asks have something to find, indexed before the load starts.
    const handbook = new FormData();
    handbook.append(
      'file',
      new Blob(['연차 휴가는 입사 1년 후 15일입니다. Employees get 15 vacation days after one year.']),
      'handbook.txt',
    );
    await fetch(`${url}/api/v1/documents`, { method: 'POST', headers, body: handbook });
    for (let i = 0; i < 20; i++) await ask(QUESTIONS[i % QUESTIONS.length]!);
    const baseBytes = directoryBytes(path.join(dataDir, 'pg'));
    const rssBefore = rssMb(child.pid!).current;

    progress(`ingest-load: building ${label}`);
    const uploads = files.map((kind) =>
      kind === 'text'
        ? { kind, name: 'large-handbook.txt', type: 'text/plain', body: buildVariedText(textBytes) }
        : kind === 'ko'
          ? { kind, name: '취업규칙-전문.txt', type: 'text/plain', body: buildKoreanText(koBytes) }
          : { kind, name: 'ledger.csv', type: 'text/csv', body: buildUuidCsv(csvBytes) },
    );
    const textMb = uploads.reduce((sum, u) => sum + Buffer.byteLength(u.body), 0) / 2 ** 20;
    const loadBefore = loadavg()[0]!;
    // The event loop's delay as a client sees it: /healthz every 100 ms, not waiting for the last one.
    const healthMs: number[] = [];
    const prober = setInterval(() => {
      const t0 = performance.now();
      fetch(`${url}/healthz`)
        .then((response) => response.arrayBuffer())
        .then(() => healthMs.push(performance.now() - t0))
        .catch(() => healthMs.push(Number.POSITIVE_INFINITY));
    }, 100);
    const lagMax = await readEventLoopLagMax(url); // resets the server's own histogram
    void lagMax;
    const started = performance.now();
    const docs = await Promise.all(
      uploads.map(async (upload) => {
        const form = new FormData();
        form.append('file', new Blob([upload.body], { type: upload.type }), upload.name);
        const response = await fetch(`${url}/api/v1/documents`, { method: 'POST', headers, body: form });
        const body = (await response.json()) as { document?: { id: string }; error?: unknown };
        if (!body.document)
          throw new Error(`upload of ${upload.name} refused: ${JSON.stringify(body.error)}`);
        return {
          ...upload,
          id: body.document.id,
          doneMs: Number.NaN,
          status: 'queued',
          errorBytes: 0,
          error: '',
        };
      }),
    );
    progress(`ingest-load: uploaded ${label} (${round(textMb)} MB); asking until they are done`);

    const latencies: number[] = [];
    let peakRss = rssBefore;
    let gaveUp = '';
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMb(child.pid!).current);
      if (peakRss > maxRssMb) gaveUp = `RSS above ${maxRssMb} MB`;
    }, 200);
    let nextPoll = 0;
    let failedAsks = 0;
    try {
      for (let i = 0; !gaveUp; i++) {
        try {
          latencies.push(await ask(QUESTIONS[i % QUESTIONS.length]!));
        } catch (error) {
          failedAsks += 1;
          if (child.exitCode !== null) gaveUp = `web process exited (${String(error)})`;
          continue;
        }
        const elapsed = performance.now() - started;
        if (elapsed > maxSeconds * 1000) gaveUp = `still running after ${maxSeconds} s`;
        if (elapsed < nextPoll) continue;
        nextPoll = elapsed + 1000;
        for (const doc of docs.filter((d) => Number.isNaN(d.doneMs))) {
          const response = await fetch(`${url}/api/v1/documents/${doc.id}`, { headers });
          const text = await response.text();
          const { document } = JSON.parse(text) as { document: { status: string; error: string | null } };
          doc.status = document.status;
          doc.errorBytes = Buffer.byteLength(document.error ?? '');
          doc.error = document.error ?? '';
          if (document.status === 'ready' || document.status === 'failed') {
            doc.doneMs = performance.now() - started;
            progress(`ingest-load: ${doc.name} ${document.status} after ${round(doc.doneMs / 1000)} s`);
          }
        }
        if (docs.every((d) => !Number.isNaN(d.doneMs))) break;
      }
    } finally {
      clearInterval(sampler);
      clearInterval(prober);
    }
    const loopMaxMs = await readEventLoopLagMax(url);
    const loadAfter = loadavg()[0]!;
    const grownBytes = directoryBytes(path.join(dataDir, 'pg')) - baseBytes;
    const peak = Math.max(peakRss, rssMb(child.pid!).peak);
    out.push({
      name: `ask p95 while ${label} ingest`,
      value: round(percentile(latencies, 95)),
      unit: 'ms',
      target: '≤ 500',
      note: `p50 ${round(percentile(latencies, 50))} ms, max ${round(Math.max(...latencies))} ms, ${latencies.length} asks, ${failedAsks} failed${gaveUp ? `; gave up: ${gaveUp}` : ''}`,
    });
    out.push({
      name: `event-loop delay p95 while ${label} ingest (GET /healthz every 100 ms)`,
      value: round(percentile(healthMs, 95)),
      unit: 'ms',
      target: '≤ 100',
      note: `p50 ${round(percentile(healthMs, 50))} ms, max ${round(Math.max(...healthMs))} ms over ${healthMs.length} probes; server's own monitorEventLoopDelay max ${round(loopMaxMs)} ms; load average ${round(loadBefore, 2)} → ${round(loadAfter, 2)}`,
    });
    for (const doc of docs) {
      const mb = Buffer.byteLength(doc.body) / 2 ** 20;
      out.push({
        name: `time to ${doc.status} for ${doc.name} (${round(mb)} MB)`,
        value: round(doc.doneMs / 1000),
        unit: 's',
        note: `${round(mb / (doc.doneMs / 1000), 3)} MB/s; stored error ${doc.errorBytes} bytes${doc.error ? `: ${doc.error.slice(0, 160)}` : ''}`,
      });
    }
    out.push({
      name: `web process peak RSS while ${label} ingest`,
      value: round(peak, 0),
      unit: 'MB',
      note: `${round(rssBefore, 0)} MB before; log ${logBytes} bytes, longest line ${longestLogLine}`,
    });
    // The uploads themselves are files in DATA_DIR/files (not in DATA_DIR/pg): the growth above is the index.
    const filesMb = directoryBytes(path.join(dataDir, 'files')) / 2 ** 20;
    if (docs.every((d) => d.status === 'ready')) {
      out.push({
        name: `database growth per MB of text (${label})`,
        value: round(grownBytes / 2 ** 20 / textMb, 1),
        unit: 'MB/MB',
        note: `${round(grownBytes / 2 ** 20)} MB for ${round(textMb)} MB of text; uploaded files ${round(filesMb)} MB in DATA_DIR/files`,
      });
    } else {
      out.push({
        name: `database growth (${label}; not every file indexed)`,
        value: round(grownBytes / 2 ** 20),
        unit: 'MB',
        note: `uploaded files ${round(filesMb)} MB in DATA_DIR/files`,
      });
    }
    return out;
  } finally {
    // A child that already exited (it failed to start) emits no second 'exit'.
    const exited =
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      files: { type: 'string', default: 'text,csv' },
      'text-mb': { type: 'string', default: '50' },
      'csv-mb': { type: 'string', default: '5' },
      'ko-mb': { type: 'string', default: '5' },
      'max-seconds': { type: 'string', default: '900' },
    },
  });
  const rows = await run({
    files: values.files.split(',') as LoadFileKind[],
    textMb: Number(values['text-mb']),
    csvMb: Number(values['csv-mb']),
    koMb: Number(values['ko-mb']),
    maxSeconds: Number(values['max-seconds']),
  });
  printTable(rows);
  process.exit(0);
}
