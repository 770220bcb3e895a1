/**
 * Parses and chunks uploaded files in worker threads (workers/analysis-thread.ts), one file per thread
 * at a time, and embeds the chunks there too when the local embedder is ingesting. The thread serving HTTP and chat only stores the result, so a large file's parse takes no
 * time from chat answers, and on a 2-core machine parsing runs beside the database instead of between
 * its statements (SciFact's 5,183 documents through the bench: 60.1-60.4 s before, 52.8-53.3 s after).
 *
 * A thread is the unit that can be stopped: a file still parsing after `timeoutMs`, or whose job is
 * aborted, has its thread terminated (a pathological PDF stuck inside one page included), and a file
 * that exhausts the thread's heap kills only that thread. Threads start on first use and stop after
 * `idleMs` without work, so an idle process does not keep their memory.
 */
import { Worker } from 'node:worker_threads';
import {
  type AnalyzedFile,
  type FileAnalyzer,
  type FileToAnalyze,
  type Logger,
  UnprocessableDocumentError,
} from '#core';

export interface AnalysisRequest {
  readonly id: number;
  readonly file: FileToAnalyze;
}

export type AnalysisReply =
  | { readonly id: number; readonly stage: 'started' | 'chunking' | 'embedding' }
  | { readonly id: number; readonly analyzed: AnalyzedFile }
  | { readonly id: number; readonly failure: { readonly unprocessable: boolean; readonly message: string } };

export interface AnalysisPoolOptions {
  readonly threads: number;
  readonly timeoutMs: number;
  readonly maxMemoryMb: number;
  readonly logger: Logger;
  /** A thread with no work for this long is stopped. Default 30 s. */
  readonly idleMs?: number;
  /** Tesseract's languages for scanned PDF pages (OCR_LANGUAGES); null or absent: no OCR. */
  readonly ocrLanguages?: string | null;
  /**
   * The local embedder's size, when it is the one ingesting: the threads then embed the chunks too
   * (1 MB of CSV took 37 s of embedding on the thread serving HTTP). Null or absent: they do not.
   */
  readonly localEmbeddingDimensions?: number | null;
}

/** What each parsing thread is started with (its `workerData`). */
export interface AnalysisThreadSettings {
  readonly ocrLanguages: string | null;
  readonly timeoutMs: number;
  readonly localEmbeddingDimensions: number | null;
}

interface Task {
  readonly id: number;
  readonly file: FileToAnalyze;
  readonly signal: AbortSignal | undefined;
  readonly onStage: ((stage: 'chunking' | 'embedding') => void) | undefined;
  readonly resolve: (analyzed: AnalyzedFile) => void;
  readonly reject: (error: unknown) => void;
  readonly onAbort: () => void;
}

interface Slot {
  worker: Worker | null;
  /** Polls the thread's whole footprint while it works (see FOOTPRINT_POLL_MS). */
  footprint: NodeJS.Timeout | null;
  /** Posted to the thread, in the order it works through them; the first is the one it is on. */
  tasks: Task[];
  /** The time limit of the file the thread is on. */
  deadline: NodeJS.Timeout | null;
  idle: NodeJS.Timeout | null;
}

/**
 * Files posted to a thread ahead of the one it is on. The thread's replies are read only between the
 * main thread's macrotasks (a whole embedded-database transaction runs as microtasks), so a thread fed
 * one file per reply would wait on the database; a few queued files keep it busy meanwhile.
 */
const QUEUED_PER_THREAD = 8;

/**
 * How often a working thread's footprint is read. `resourceLimits` bounds only its JS heap; what parsers
 * allocate outside it (pdf.js's inflated streams, JSZip's buffers: ArrayBuffers, counted as the
 * isolate's external memory) is not, and a 3.6 MB PDF flate bomb reached 5.1 GB that way. The heap
 * statistics are read through an interrupt, so a thread busy in a loop still answers.
 */
const FOOTPRINT_POLL_MS = 100;

const THREAD_FILE = new URL('./analysis-thread.ts', import.meta.url);

function duration(ms: number): string {
  const [count, unit] =
    ms < 60_000 ? [Math.max(1, Math.round(ms / 1000)), 'second'] : [Math.round(ms / 60_000), 'minute'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

export function createAnalysisPool(options: AnalysisPoolOptions): FileAnalyzer {
  const log = options.logger.child({ component: 'analysis-pool' });
  const idleMs = options.idleMs ?? 30_000;
  const slots: Slot[] = Array.from({ length: Math.max(1, options.threads) }, () => ({
    worker: null,
    footprint: null,
    tasks: [],
    deadline: null,
    idle: null,
  }));
  const waiting: Task[] = [];
  let nextId = 1;
  let closed = false;

  /** Takes a task off its thread's list; the time limit goes with it when it is the one being worked on. */
  function finish(slot: Slot, task: Task): void {
    if (slot.tasks[0] === task && slot.deadline) {
      clearTimeout(slot.deadline);
      slot.deadline = null;
    }
    slot.tasks = slot.tasks.filter((t) => t !== task);
    task.signal?.removeEventListener('abort', task.onAbort);
  }

  /**
   * Terminates a slot's thread. `culprit` (the file it was on, if that is why) is rejected with `error`;
   * the files queued behind it go back to the front of the queue for another thread.
   */
  function stopThread(slot: Slot, culprit: Task | null, error: unknown): void {
    const worker = slot.worker;
    slot.worker = null;
    if (slot.footprint) clearInterval(slot.footprint);
    slot.footprint = null;
    if (slot.idle) clearTimeout(slot.idle);
    if (slot.deadline) clearTimeout(slot.deadline);
    slot.idle = null;
    slot.deadline = null;
    const others = slot.tasks.filter((task) => task !== culprit);
    slot.tasks = [];
    waiting.unshift(...others);
    if (culprit) {
      culprit.signal?.removeEventListener('abort', culprit.onAbort);
      culprit.reject(error);
    }
    if (worker) {
      worker.removeAllListeners();
      worker.on('error', () => {}); // a thread being terminated may still report its own end
      void worker.terminate();
    }
  }

  const outOfMemory = () =>
    new UnprocessableDocumentError(
      `This file needs more memory to read than the ${options.maxMemoryMb} MB allowed, so it was stopped.`,
    );

  /** Stops the thread when heap, external buffers and malloc together pass the limit. */
  function watchFootprint(slot: Slot, worker: Worker): void {
    const limit = options.maxMemoryMb * 1024 * 1024;
    let reading = false;
    slot.footprint = setInterval(() => {
      if (reading || slot.worker !== worker || slot.tasks.length === 0) return;
      reading = true;
      worker
        .getHeapStatistics()
        .then((stats) => {
          const used = stats.used_heap_size + stats.external_memory + stats.malloced_memory;
          if (used <= limit || slot.worker !== worker) return;
          const culprit = slot.tasks[0] ?? null;
          log.warn(
            { file: culprit?.file.filename, usedMb: Math.round(used / 2 ** 20) },
            'file analysis over its memory limit',
          );
          stopThread(slot, culprit, outOfMemory());
          dispatch();
        })
        .catch(() => {}) // the thread ended meanwhile
        .finally(() => {
          reading = false;
        });
    }, FOOTPRINT_POLL_MS);
    slot.footprint.unref();
  }

  function startThread(slot: Slot): Worker {
    const worker = new Worker(THREAD_FILE, {
      resourceLimits: { maxOldGenerationSizeMb: options.maxMemoryMb },
      workerData: {
        ocrLanguages: options.ocrLanguages ?? null,
        timeoutMs: options.timeoutMs,
        localEmbeddingDimensions: options.localEmbeddingDimensions ?? null,
      } satisfies AnalysisThreadSettings,
      stdout: false,
      stderr: false,
    });
    watchFootprint(slot, worker);
    worker.on('message', (reply: AnalysisReply) => {
      const task = slot.tasks.find((t) => t.id === reply.id);
      if (!task) return;
      if ('stage' in reply) {
        if (reply.stage === 'chunking') {
          task.onStage?.('chunking');
          return;
        }
        // Embedding gets a time limit of its own: PARSE_TIMEOUT_MS bounds reading the file, and a file
        // that took most of it to read must not fail for the (bounded, linear) embedding after it.
        if (reply.stage === 'embedding') task.onStage?.('embedding');
        startDeadline(slot, task);
        return;
      }
      finish(slot, task);
      if ('analyzed' in reply) task.resolve(reply.analyzed);
      else if (reply.failure.unprocessable)
        task.reject(new UnprocessableDocumentError(reply.failure.message));
      else task.reject(new Error(`file analysis failed: ${reply.failure.message}`));
      dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      // Out of heap: the file needs more than a thread may use, which no retry changes.
      const failure =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? outOfMemory()
          : new Error(`file analysis thread failed: ${error.message}`);
      const culprit = slot.tasks[0] ?? null;
      log.warn({ err: error, file: culprit?.file.filename }, 'file analysis thread stopped');
      stopThread(slot, culprit, failure);
      dispatch();
    });
    worker.on('exit', () => {
      if (slot.worker !== worker) return;
      stopThread(slot, slot.tasks[0] ?? null, new Error('file analysis thread exited'));
      dispatch();
    });
    return worker;
  }

  function startDeadline(slot: Slot, task: Task): void {
    if (slot.deadline) clearTimeout(slot.deadline);
    slot.deadline = setTimeout(() => {
      if (slot.tasks[0] !== task) return;
      log.warn({ file: task.file.filename, timeoutMs: options.timeoutMs }, 'file analysis timed out');
      stopThread(
        slot,
        task,
        new UnprocessableDocumentError(
          `Reading this file took longer than the ${duration(options.timeoutMs)} allowed, so it was stopped. Splitting it into smaller files usually helps.`,
        ),
      );
      dispatch();
    }, options.timeoutMs);
  }

  function dispatch(): void {
    if (closed) return;
    while (waiting.length > 0) {
      // The thread with the fewest files in hand, if it can take one more.
      const slot = slots.reduce((best, s) => (s.tasks.length < best.tasks.length ? s : best));
      if (slot.tasks.length >= QUEUED_PER_THREAD) break;
      const task = waiting.shift()!;
      if (slot.idle) clearTimeout(slot.idle);
      slot.idle = null;
      slot.worker ??= startThread(slot);
      slot.worker.ref();
      slot.tasks.push(task);
      // A copy of just the file's bytes, moved to the thread: the caller's array may be a view into a far
      // larger buffer (a database result), which posting would copy whole.
      const bytes = task.file.bytes.slice();
      slot.worker.postMessage({ id: task.id, file: { ...task.file, bytes } } satisfies AnalysisRequest, [
        bytes.buffer,
      ]);
    }
    for (const slot of slots) {
      if (slot.tasks.length > 0 || !slot.worker || slot.idle) continue;
      // A thread never keeps the process alive while it waits for work.
      slot.worker.unref();
      slot.idle = setTimeout(() => stopThread(slot, null, null), idleMs);
      slot.idle.unref();
    }
  }

  return {
    analyze(file, { signal, onStage } = {}) {
      if (closed) return Promise.reject(new Error('the file analysis pool is closed'));
      signal?.throwIfAborted();
      return new Promise<AnalyzedFile>((resolve, reject) => {
        const task: Task = {
          id: nextId++,
          file,
          signal,
          onStage,
          resolve,
          reject,
          onAbort: () => {
            const at = waiting.indexOf(task);
            if (at >= 0) {
              waiting.splice(at, 1);
              reject(signal?.reason);
              return;
            }
            const slot = slots.find((s) => s.tasks.includes(task));
            if (!slot) return;
            if (slot.tasks[0] === task) {
              // The thread is on it: only stopping the thread stops the work.
              stopThread(slot, task, signal?.reason);
              dispatch();
            } else {
              // Not started yet: the caller is answered now. It stays on the thread's list, so the thread
              // working on it later is still timed (a hostile file would otherwise hold the thread for
              // good); its result then settles nothing.
              task.signal?.removeEventListener('abort', task.onAbort);
              reject(signal?.reason);
            }
          },
        };
        signal?.addEventListener('abort', task.onAbort, { once: true });
        waiting.push(task);
        dispatch();
      });
    },

    async close() {
      closed = true;
      const closedError = new Error('the file analysis pool is closed');
      await Promise.all(
        slots.map(async (slot) => {
          const worker = slot.worker;
          stopThread(slot, null, null);
          await worker?.terminate();
        }),
      );
      for (const task of waiting.splice(0)) {
        task.signal?.removeEventListener('abort', task.onAbort);
        task.reject(closedError);
      }
    },
  };
}
