/**
 * Real ex-GPT processes for the tests about crashes and outages: `node workers/main.ts` and
 * `node bot/main.ts` as children, with an explicit environment (nothing inherited from the developer's
 * shell), their JSON log lines collected so a test can wait for one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ChildProcessUnderTest {
  readonly child: ChildProcess;
  /** Parsed JSON log lines (pino), in order. */
  readonly logs: Record<string, unknown>[];
  /** Everything written, for messages when a test fails. */
  output(): string;
  /** Resolves with the first log line that matches (including ones already written). */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the first stdout text that matches the pattern. */
  waitForText(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Children still running: killed when the test process exits, so a failed or timed-out test leaves none. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function spawnProcess(
  entry: 'workers/main.ts' | 'bot/main.ts',
  env: Record<string, string>,
): ChildProcessUnderTest {
  const child = spawn(process.execPath, [path.join(root, entry)], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const logs: Record<string, unknown>[] = [];
  let text = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a log line.
      }
    }
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      notify();
      resolve(code);
    });
  });

  function waitFor<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found !== undefined) {
          cleanup();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(new Error(`${entry} exited before ${what}:\n${text.slice(-4000)}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what} from ${entry}:\n${text.slice(-4000)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  return {
    child,
    logs,
    output: () => text,
    waitForLog: (match, timeoutMs = 30_000) => waitFor(() => logs.find(match), 'a log line', timeoutMs),
    waitForText: (pattern, timeoutMs = 30_000) =>
      waitFor(() => pattern.exec(text) ?? undefined, `output matching ${pattern}`, timeoutMs),
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
  };
}

/** Stops a child if it still runs (test clean-up): SIGKILL, it has nothing left to save. */
export async function killProcess(processUnderTest: ChildProcessUnderTest | undefined): Promise<void> {
  if (!processUnderTest) return;
  const { child } = processUnderTest;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await processUnderTest.exited;
}
