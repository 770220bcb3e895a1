/**
 * What an operator reads: readable log lines in a terminal and JSON elsewhere, a wrong password that is
 * not an error, and GraphiQL that works without the internet.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp, gql } from './support/admin.ts';
import { createTestEngine, type TestEngine } from './support/engine.ts';

const root = path.resolve(import.meta.dirname, '..');

function logOnce(format: string): string {
  const script =
    "import { createLogger } from './workers/logger.ts';" +
    "createLogger({ LOG_LEVEL: 'info', LOG_FORMAT: process.env.F }).info({ documentId: 'd1' }, '문서 색인 완료');";
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', F: format },
    encoding: 'utf8',
  });
}

describe('log lines', () => {
  it('are readable with LOG_FORMAT=pretty and JSON with auto when nobody watches a terminal', () => {
    const pretty = logOnce('pretty');
    expect(pretty).toMatch(/INFO.*\(ex-gpt\).*문서 색인 완료/);
    expect(pretty).toContain('documentId: "d1"');
    expect(pretty.trimStart().startsWith('{')).toBe(false);

    const json = JSON.parse(logOnce('auto')) as Record<string, unknown>;
    expect(json).toMatchObject({ level: 30, msg: '문서 색인 완료', documentId: 'd1' });
  });
});

describe('the admin API', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await createTestEngine();
  });
  afterAll(() => t.close());

  it('logs a wrong password below error level', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const app = await buildAdminApp(t, { logger });
    const result = await gql(
      app,
      'mutation { login(email: "admin@example.com", password: "틀린-비밀번호-1234") { token } }',
    );
    expect(result.errors?.[0]?.message).toBe('Wrong e-mail address or password.');
    expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
    await app.close();
  });

  it('serves GraphiQL with everything it needs inside the page, so it works offline', async () => {
    // GraphiQL is served in development only.
    const dev = await createTestEngine({ NODE_ENV: 'development' });
    const app = await buildAdminApp(dev);
    const page = await app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('ex-GPT admin API');
    expect(page.body).not.toMatch(/<script[^>]+src="https?:|<link[^>]+href="https?:|unpkg\.com|jsdelivr/);
    await app.close();
    await dev.close();
  });
});
