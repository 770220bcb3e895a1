/**
 * Where does ingestion block the event loop? Ingests one large file in-process (the web process's own
 * engine: PGlite, analysis threads, local embedder) and prints every event-loop stall over 100 ms with the
 * stage it happened in. A diagnostic for issue 12, not part of `npm run bench`.
 *
 * node tests/bench/ingest-blocking-probe.ts [--kind text|csv] [--mb 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig, sha256Hex, submitDocument } from '#core';
import { createUser, ensureCollection, openDatabase } from '#db';
import { createEngine } from '../../workers/engine.ts';
import { buildUuidCsv, buildVariedText } from './ingest-load-bench.ts';

const { values } = parseArgs({
  options: { kind: { type: 'string', default: 'text' }, mb: { type: 'string', default: '5' } },
});
const dataDir = mkdtempSync(path.join(tmpdir(), 'exgpt-probe-'));
const logger = pino({ level: 'warn' });
const config = loadConfig({ LOG_LEVEL: 'warn', DATA_DIR: dataDir, SEED_SAMPLE_DOCS: 'false' });
const database = await openDatabase({ dataDir });
let stage = 'setup';
const stages: string[] = [];
let started = performance.now();
const engine = await createEngine({
  config,
  logger,
  database,
  onProgress: (_id, progress) => {
    const next = `${progress.stage} ${progress.stage === 'embedding' ? '' : progress.percent}`;
    if (next !== stage) stages.push(`${Math.round(performance.now() - started)} ms: ${next}`);
    stage = next;
  },
});
const { collection } = await ensureCollection(database.db, { name: 'probe', everyone: true });
const user = await createUser(database.db, { email: 'probe@example.com', role: 'admin' });
const bytes = Buffer.from(
  values.kind === 'csv'
    ? buildUuidCsv(Number(values.mb) * 2 ** 20)
    : buildVariedText(Number(values.mb) * 2 ** 20),
);
const stalls: string[] = [];
let last = performance.now();
started = last;
const ticker = setInterval(() => {
  const now = performance.now();
  if (now - last > 100)
    stalls.push(
      `${Math.round(now - last)} ms ending at ${Math.round((now - started) / 1000)} s during ${stage}`,
    );
  last = now;
}, 10);
// Asks, one after another, as the REST route would make them: slow ones are listed with their stage.
let asking = true;
const slowAsks: string[] = [];
const askMs: number[] = [];
const askLoop = (async () => {
  while (asking) {
    const t0 = performance.now();
    const at = stage;
    try {
      await engine.retriever.retrieve('연차 휴가 며칠', { userId: user.id }, { limit: 8 });
    } catch (error) {
      slowAsks.push(`ask failed: ${String(error).slice(0, 200)}`);
    }
    const ms = performance.now() - t0;
    askMs.push(ms);
    if (ms > 200)
      slowAsks.push(`ask ${Math.round(ms)} ms from ${Math.round((t0 - started) / 1000)} s, ${at} → ${stage}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
})();
const queue = {
  async enqueue(_name: string, payload: { documentId: string; version: number }) {
    const outcome = await engine.ingestor.ingest(payload.documentId, payload.version);
    stage = `done: ${JSON.stringify(outcome).slice(0, 300)}`;
  },
};
const outcome = await engine.documents.upsertUpload({
  collectionId: collection.id,
  sourceKey: `probe.${values.kind}`,
  title: 'probe',
  filename: `probe.${values.kind === 'csv' ? 'csv' : 'txt'}`,
  mimeType: values.kind === 'csv' ? 'text/csv' : 'text/plain',
  sourceUrl: null,
  bytes,
  sha256: sha256Hex(bytes),
  uploadedBy: user.id,
});
try {
  await queue.enqueue('ingest-document', {
    documentId: outcome.document.id,
    version: outcome.document.version,
  });
} catch (error) {
  stage = `threw: ${String((error as Error).message).slice(0, 300)}`;
}
await new Promise((resolve) => setTimeout(resolve, 50));
console.log(stages.join('\n'));
console.log(`ingest returned after ${Math.round(performance.now() - started)} ms: ${stage}`);
clearInterval(ticker);
asking = false;
await askLoop;
console.log(slowAsks.join('\n'));
askMs.sort((a, b) => a - b);
console.log(
  `${askMs.length} asks, p50 ${Math.round(askMs[Math.floor(askMs.length / 2)] ?? 0)} ms, max ${Math.round(askMs.at(-1) ?? 0)} ms`,
);
const total = stalls.reduce((sum, s) => sum + Number(s.split(' ')[0]), 0);
console.log(stalls.join('\n'));
console.log(
  `${stalls.length} stalls, ${total} ms blocked of ${Math.round(performance.now() - started)} ms; ${stage}`,
);
console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
void submitDocument;
await engine.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
