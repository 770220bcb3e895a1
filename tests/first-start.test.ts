/**
 * A new user's first hour with the real web process: the first start fails on a busy port, the next one
 * (through `npm start`'s own command line, reading `.env`) still shows the credentials, a sign-in ends
 * that, SIGTERM with a console subscription open exits cleanly, and a lost password comes back with
 * `npm run admin:reset-password`, through the running server or with it stopped.
 */
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProcessUnderTest, killProcess, spawnProcess } from './support/processes.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN_EMAIL = 'kim.jisoo@example.kr';
let workDir: string;
let dataDir: string;
let blocker: Server;
const running: ChildProcessUnderTest[] = [];

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'exgpt-first-start-'));
  dataDir = path.join(workDir, 'data');
  blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const child of running) await killProcess(child);
  await new Promise((resolve) => blocker.close(resolve));
  rmSync(workDir, { recursive: true, force: true });
});

function start(env: Record<string, string> = {}): ChildProcessUnderTest {
  const child = spawnProcess('bot/main.ts', {
    DATA_DIR: dataDir,
    PORT: '0',
    SEED_SAMPLE_DOCS: 'false',
    ...env,
  });
  running.push(child);
  return child;
}

/** Runs package.json's `start` command line as npm would, from a folder holding only `.env` and `bot/`. */
function startAsNpmDoes(dotenv: string): ChildProcessUnderTest & { cwd: string } {
  const cwd = path.join(workDir, 'checkout');
  rmSync(cwd, { recursive: true, force: true });
  const script = (
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts.start!;
  expect(script).toMatch(/^node /);
  mkdirSync(cwd, { recursive: true });
  // The entry is reached through a symlink: Node resolves it to the real file, so imports work as usual.
  symlinkSync(path.join(root, 'bot'), path.join(cwd, 'bot'), 'dir');
  writeFileSync(path.join(cwd, '.env'), dotenv);
  const args = script.replace(/^node /, '').split(' ');
  const child = spawnInCwd(args, cwd);
  running.push(child);
  return Object.assign(child, { cwd });
}

function spawnInCwd(args: string[], cwd: string): ChildProcessUnderTest {
  // spawnProcess always runs from the repository; `.env` must be read from the user's working directory.
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: workDir, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    for (const l of listeners) l();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitForText = (pattern: RegExp, timeoutMs = 180_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${pattern}:\n${text}`)),
        timeoutMs,
      );
      const check = () => {
        const found = pattern.exec(text);
        if (found) {
          clearTimeout(timer);
          listeners.delete(check);
          resolve(found);
        } else if (child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`exited before ${pattern}:\n${text}`));
        }
      };
      listeners.add(check);
      void exited.then(check);
      check();
    });
  return {
    child,
    logs: [],
    output: () => text,
    waitForLog: () => Promise.reject(new Error('not collected')),
    waitForText,
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
  };
}

async function login(baseUrl: string, email: string, password: string) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
      variables: { e: email, p: password },
    }),
  });
  const body = (await response.json()) as {
    data?: { login: { token: string } } | null;
    errors?: { message: string }[];
  };
  return body.data?.login.token ?? null;
}

function resetPassword(email: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bot', 'cli', 'reset-password.ts'), email],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: workDir, NODE_ENV: 'test', DATA_DIR: dataDir },
        timeout: 180_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

// Each test starts real server processes: on a busy machine a start can take a minute.
const SLOW = 300_000;
const CREDENTIALS = /email\s+(\S+)\n\s+password\s+(\S+)/;

describe('first start, sign-in and a lost password', () => {
  let password = '';
  let baseUrl = '';

  it(
    'explains a busy port in one sentence, and the next start still shows the credentials',
    async () => {
      const address = blocker.address();
      const busyPort = typeof address === 'object' && address ? address.port : 0;
      const failed = start({ PORT: String(busyPort), ADMIN_EMAIL });
      expect(await failed.exited).toBe(1);
      expect(failed.output()).toContain(
        `ex-GPT cannot start: port ${busyPort} on 127.0.0.1 is already in use by another program`,
      );
      expect(failed.output()).not.toMatch(/EADDRINUSE|\n\s+at /);
      expect(existsSync(path.join(dataDir, 'server.json'))).toBe(false);

      // The real `npm start` command line: DATA_DIR, PORT and the rest come from .env only.
      const server = startAsNpmDoes(`DATA_DIR=${dataDir}\nPORT=0\nSEED_SAMPLE_DOCS=false\nLOG_LEVEL=warn\n`);
      baseUrl = (await server.waitForText(/ex-GPT is ready on (http:\/\/\S+)/, 180_000))[1]!;
      const banner = await server.waitForText(/lost it later\?/);
      const text = server.output();
      expect(text).toContain(`database   embedded PGlite in ${dataDir}`);
      expect(text).toContain('jobs       in this process');
      expect(text).toContain('chat model none: extractive answers');
      expect(text).toContain('Slack      off: SLACK_BOT_TOKEN is not set');
      const [, email, shown] = CREDENTIALS.exec(text) ?? [];
      expect(email).toBe(ADMIN_EMAIL);
      expect(banner).toBeTruthy();
      password = shown!;
      expect(existsSync(path.join(dataDir, 'cli-api-key'))).toBe(true);

      const token = await login(baseUrl, ADMIN_EMAIL, password);
      expect(token).toBeTruthy();

      // A console tab's live subscription is open while the server is told to stop.
      const subscription = await fetch(`${baseUrl}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ query: 'subscription { documentProgress { documentId percent } }' }),
      });
      expect(subscription.headers.get('content-type')).toContain('text/event-stream');
      const reading = subscription
        .body!.getReader()
        .read()
        .catch(() => null);
      server.kill('SIGTERM');
      // Before: the open stream held app.close() until a 30 s forced exit(1) that left server.json behind.
      expect(await server.exited).toBe(0);
      await reading;
      expect(existsSync(path.join(dataDir, 'server.json'))).toBe(false);
    },
    SLOW,
  );

  it(
    'shows no credentials once the admin has signed in, and resets a password through the server',
    async () => {
      const server = start();
      baseUrl = (await server.waitForText(/ex-GPT is ready on (http:\/\/\S+)/, 180_000))[1]!;
      await server.waitForText(/Teams\s+off/, 180_000);
      expect(server.output()).not.toContain('first start');

      const unknown = await resetPassword('nobody@example.kr');
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No user with the e-mail address nobody@example.kr.');

      const reset = await resetPassword(ADMIN_EMAIL);
      expect(reset.code, reset.stderr).toBe(0);
      const fresh = /New password for \S+: (\S+)/.exec(reset.stdout)?.[1];
      expect(fresh).toBeTruthy();
      expect(await login(baseUrl, ADMIN_EMAIL, password)).toBeNull();
      expect(await login(baseUrl, ADMIN_EMAIL, fresh!)).toBeTruthy();
      password = fresh!;
      server.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    },
    SLOW,
  );

  it(
    'resets a password with the server stopped',
    async () => {
      const reset = await resetPassword(ADMIN_EMAIL.toUpperCase());
      expect(reset.code, reset.stderr).toBe(0);
      const fresh = /New password for (\S+): (\S+)/.exec(reset.stdout);
      expect(fresh?.[1]).toBe(ADMIN_EMAIL);

      const server = start();
      baseUrl = (await server.waitForText(/ex-GPT is ready on (http:\/\/\S+)/, 180_000))[1]!;
      expect(await login(baseUrl, ADMIN_EMAIL, password)).toBeNull();
      expect(await login(baseUrl, ADMIN_EMAIL, fresh![2]!)).toBeTruthy();
      server.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    },
    SLOW,
  );
});
