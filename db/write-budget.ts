/**
 * How much index writing fits in one transaction. PGlite has one backend and a transaction holds it whole
 * (every ask waits behind it), so every chunk write is cut into transactions of about `budgetMs`. What a chunk costs varies tenfold with the machine's load and the chunk's vocabulary
 * (measured: 4-23 ms per chunk), so the cost is learned from the writes themselves rather than fixed:
 * parts of a fixed 48 chunks held the thread 200-800 ms each and asks waited seconds. The estimate
 * converges to parts that take `budgetMs`: a part's fixed cost raises the learned ms per unit of small
 * parts, which makes the next part larger, and the other way round.
 *
 * The unit is a weight (see chunkWriteWeight); the budget learns milliseconds per unit as a moving average.
 */
import type { IndexedChunk } from '#core';

/** What one chunk costs to write, in postings: its distinct terms, plus its vector's HNSW insert. */
export function chunkWriteWeight(chunk: Pick<IndexedChunk, 'lexical'>): number {
  return chunk.lexical.terms.size + HNSW_INSERT_WEIGHT;
}

/** An HNSW insert costs about as much as this many postings (~5 ms against ~35 µs, measured in PGlite). */
const HNSW_INSERT_WEIGHT = 150;

export interface WriteBudget {
  /** The clock writes are timed with, in ms (see WriteClock). */
  now(): number;
  /** The weight one transaction may carry now (at least `minWeight`). */
  capacity(): number;
  /** A write of `weight` took `ms` by `now()`: the estimate of ms per unit moves towards it. */
  record(weight: number, ms: number): void;
}

export interface WriteBudgetOptions {
  /** Target time one transaction holds the database. */
  readonly budgetMs: number;
  /** The first guess, before anything was measured. */
  readonly initialMsPerUnit: number;
  /** Never less than this per transaction, so a slow machine still makes progress. */
  readonly minWeight: number;
  readonly maxWeight: number;
  /** Default 'wall'. */
  readonly clock?: WriteClock;
}

/**
 * 'thread-cpu' when the database runs on this thread (PGlite in-process: the CLI's ingest and eval, tests):
 * on a loaded machine the thread waits for a core whatever a part's size, and wall time then shrank parts
 * to one chunk, whose fixed cost per transaction cut throughput fourfold (a 1 MB UUID CSV: 116 s → 426 s
 * at load 10) without shortening any stall. 'wall' when it runs elsewhere: PostgreSQL, and the server's
 * embedded database, which runs in its database thread (db/embedded-thread.ts). There this thread's CPU
 * says nothing of the write, and what the budget bounds is how long an ask waits behind an open write
 * transaction: the wire server gives the owner of an open transaction every turn until it ends, round
 * trips included, so the wall time the transaction is open is exactly that wait.
 */
export type WriteClock = 'thread-cpu' | 'wall';

/**
 * 75 ms: the bound is ~100 ms of HTTP held at a time. Smaller parts cost throughput, since each
 * transaction has a fixed cost (locks, statistics rows, planning, commit: ~25 ms at load 8 on 2 cores):
 * a UUID CSV wrote 38 chunks/s at 40 ms, 121 at 100 ms and 178 in parts of ~120 chunks (~700 ms each).
 */
export const DEFAULT_WRITE_BUDGET: WriteBudgetOptions = {
  budgetMs: 75,
  initialMsPerUnit: 0.05,
  minWeight: 1,
  maxWeight: 48 * (300 + HNSW_INSERT_WEIGHT),
};

/** This thread's CPU time, in ms. */
export function threadCpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

/** How fast the estimate follows new measurements (exponential moving average). */
const SMOOTHING = 0.3;

export function createWriteBudget(options: WriteBudgetOptions = DEFAULT_WRITE_BUDGET): WriteBudget {
  let msPerUnit = options.initialMsPerUnit;
  const wall = () => performance.now();
  return {
    now: options.clock === 'thread-cpu' ? threadCpuMs : wall,
    capacity() {
      const fits = Math.floor(options.budgetMs / msPerUnit);
      return Math.max(options.minWeight, Math.min(options.maxWeight, fits));
    },
    record(weight, ms) {
      if (!(weight > 0) || !(ms >= 0)) return;
      msPerUnit = (1 - SMOOTHING) * msPerUnit + SMOOTHING * (ms / weight);
    },
  };
}
