/**
 * The CLI as a new user runs it: `npm run ingest` on a folder, then `npm run ask`, first with no server
 * (the CLI opens the embedded database itself), then with the server running on the same DATA_DIR
 * (the CLI goes over REST with the key the first start wrote).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProcessUnderTest, killProcess, spawnProcess } from './support/processes.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let workDir: string;
let env: Record<string, string>;
let server: ChildProcessUnderTest | undefined;

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(script: 'ingest' | 'ask', args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bot', 'cli', `${script}.ts`), ...args],
      { cwd: root, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function writeDocs(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'exgpt-cli-'));
  env = {
    PATH: process.env.PATH ?? '',
    HOME: workDir,
    NODE_ENV: 'test',
    DATA_DIR: path.join(workDir, 'data'),
    SEED_SAMPLE_DOCS: 'false',
  };
});
afterAll(async () => {
  await killProcess(server);
  rmSync(workDir, { recursive: true, force: true });
});

describe('command line', () => {
  it('ingests a folder without a server, says which file failed and why, and answers with a source', async () => {
    const docs = writeDocs(path.join(workDir, 'handbook'), {
      'parking.md':
        '# Parking\n\nEmployees park in garage B. Permits are renewed every January at the front desk.\n',
      'canteen.txt': 'The canteen serves lasagne on Fridays and soup every day.\n',
      'broken.pdf': '%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref',
      '설계도면.dwg': 'AC1032 drawing',
    });
    const ingest = await cli('ingest', [docs]);
    expect(ingest.code).toBe(2);
    // The CAD drawing is not read: said by name, not just counted.
    expect(ingest.stderr).toContain('Skipping 1 file(s):');
    expect(ingest.stderr).toMatch(/ {2}설계도면\.dwg: \S/);
    expect(ingest.stderr).toContain('2 indexed, 0 unchanged, 1 failed');
    expect(ingest.stderr).toMatch(/broken\.pdf: This PDF is damaged/);
    expect(ingest.stderr).toMatch(
      /created administrator admin@example\.com with password \S+ \(npm start shows it again until you first sign in\)/,
    );
    // What went wrong is in the summary; no log lines or stack traces for the user to wade through.
    expect(`${ingest.stdout}${ingest.stderr}`).not.toMatch(/"level":|\n\s+at /);

    const ask = await cli('ask', ['When are parking permits renewed?']);
    expect(ask.code).toBe(0);
    expect(ask.stdout).toMatch(/January.*\[1\]/);
    // Titled by its own heading, and cited once by it (not "Parking › Parking").
    expect(ask.stdout).toMatch(/Sources:\n\s+\[1\] Parking\n/);

    const again = await cli('ingest', [docs]);
    expect(again.stderr).toContain('0 indexed, 2 unchanged, 1 failed');
    // Three processes each open the embedded database and migrate it: more than the default minute on a
    // busy 2-core machine. A guard against hanging, not a speed target.
  }, 180_000);

  it('goes through the running server, with the key its first start wrote', async () => {
    server = spawnProcess('bot/main.ts', { ...env, PORT: '0', LOG_LEVEL: 'info' });
    await server.waitForText(/ready on (http:\/\/\S+)/, 60_000);
    const docs = writeDocs(path.join(workDir, 'more'), {
      'badges.md':
        '# Badges\n\nLost badges are replaced by the security office on the ground floor within a day.\n',
    });
    const ingest = await cli('ingest', [docs, '--collection', 'security']);
    expect(ingest.code).toBe(0);
    expect(ingest.stderr).toContain('1 indexed, 0 unchanged, 0 failed · 1 chunk in "security"');

    const ask = await cli('ask', ['Who replaces a lost badge?']);
    expect(ask.code).toBe(0);
    expect(ask.stdout).toMatch(/security office.*\[1\]/);
    expect(ask.stdout).toMatch(/\[1\] Badges {2}http/);
    // Both went over REST: the server logged the requests.
    const requests = server.logs.flatMap((line) => {
      const req = line.req as { method?: string; url?: string } | undefined;
      return req?.url ? [`${req.method} ${req.url}`] : [];
    });
    expect(requests).toEqual(expect.arrayContaining(['POST /api/v1/documents', 'POST /api/v1/ask']));
  });
});
