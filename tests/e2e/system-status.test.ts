/**
 * The System status page in real Chromium, in English and in Korean: every part of the install in one
 * table, with a chat model whose server is down shown as a problem (and why), and Slack shown as off
 * with the variable that turns it on.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsoleIfStale, CONSOLE_DIST } from '../../bot/console-build.ts';
import { scheduleLexicalReindexIfNeeded } from '../../workers/recovery.ts';
import { buildAdminApp } from '../support/admin.ts';
import {
  buildCollection,
  createTestEngine,
  ingestText,
  silentLogger,
  type TestEngine,
} from '../support/engine.ts';
import { launchChromium } from './browser.ts';

const SCREENSHOTS = path.join(import.meta.dirname, 'screenshots');
const ADMIN = { email: 'admin@example.com', password: 'admin-password-123' };

let engine: TestEngine;
let app: FastifyInstance;
let url: string;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await buildConsoleIfStale();
  // Nothing listens on port 9 of loopback: the model server is "down".
  engine = await createTestEngine({ CHAT_MODEL: 'gpt-4o-mini', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
  const hr = await buildCollection(engine, { name: '인사', everyone: true });
  await ingestText(engine, {
    collectionId: hr.id,
    filename: '휴가-규정.md',
    text: '# 휴가 규정\n\n연차 휴가는 입사 1년 후 15일이 주어집니다. 미사용 연차는 다음 해 3월까지 쓸 수 있습니다.\n',
  });
  app = await buildAdminApp(engine, { consoleDir: CONSOLE_DIST });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await engine?.close();
});

async function openStatus(locale: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale });
  const page = await context.newPage();
  await page.goto(`${url}/system`);
  // Field types, not labels: the sign-in page's words follow the browser's language.
  await page.locator('input[type="email"]').fill(ADMIN.email);
  await page.locator('input[type="password"]').fill(ADMIN.password);
  await page.locator('form button[type="submit"]').click();
  await page.locator('tr[data-part="database"]').waitFor();
  return page;
}

const row = (page: Page, part: string) => page.locator(`tr[data-part="${part}"]`);

describe('System status page', () => {
  it('shows every part, the down model server with its reason, and Slack off with what to set', async () => {
    const page = await openStatus('en-US');
    await page.getByRole('heading', { name: 'System status', level: 1 }).waitFor();
    expect(await row(page, 'database').textContent()).toMatch(/Working.*embedded PGlite/);
    expect(await row(page, 'workers').textContent()).toContain('The web process runs the jobs itself.');
    expect(await row(page, 'chat-model').textContent()).toMatch(
      /Problem.*gpt-4o-mini at http:\/\/127\.0\.0\.1:9\/v1 does not work: not reachable \(connection failed\)/,
    );
    expect(await row(page, 'slack').textContent()).toMatch(/Off.*set SLACK_BOT_TOKEN to connect it/);
    expect(await row(page, 'documents').textContent()).toContain('1 ready');
    expect(await row(page, 'storage').textContent()).toMatch(/search index \d[\d.]* (B|KB|MB) \(1 chunk\)/);
    expect(await page.getByText('Something went wrong').count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, '20-system-status.png'), fullPage: true });
    await page.context().close();
  });

  it('speaks Korean to a Korean admin', async () => {
    const page = await openStatus('ko-KR');
    await page.getByRole('heading', { name: '시스템 상태', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: '시스템 상태' }).count()).toBe(1);
    expect(await row(page, 'database').textContent()).toContain('정상');
    expect(await row(page, 'chat-model').textContent()).toMatch(
      /문제 있음.*gpt-4o-mini이\(가\) 작동하지 않습니다/,
    );
    expect(await row(page, 'slack').textContent()).toContain(
      '꺼짐: 연결하려면 SLACK_BOT_TOKEN을(를) 설정하세요.',
    );
    expect(await row(page, 'documents').textContent()).toContain('준비됨 1');
    await page.screenshot({ path: path.join(SCREENSHOTS, '21-system-status-ko.png'), fullPage: true });
    await page.context().close();
  });

  it('follows a re-index of the search index live, in Korean, until it is done', async () => {
    const db = engine.database.db;
    // An install upgraded from the previous text analysis: every chunk still indexed by version 1.
    await db.execute(sql`update chunks set lexical_version = 1`);
    const page = await openStatus('ko-KR');
    const index = row(page, 'search-index');
    expect(await index.textContent()).toMatch(
      /진행 중.*새 텍스트 분석\(버전 \d+\)으로 검색 색인을 다시 만드는 중: 청크 1개 중 0개 완료\(0%\)/,
    );
    expect(await index.locator('progress').count()).toBe(1);
    await page.screenshot({
      path: path.join(SCREENSHOTS, '22-search-index-reindexing-ko.png'),
      fullPage: true,
    });

    // The job runs while the page stays open: the row follows without a reload.
    expect(await scheduleLexicalReindexIfNeeded({ db, queue: engine.queue, logger: silentLogger })).toBe(
      true,
    );
    await engine.queue.drain();
    await index.getByText(/현재 텍스트 분석\(버전 \d+\)으로 최신 상태입니다\. 청크 1개\./).waitFor();
    expect(await index.textContent()).toContain('정상');
    expect(await index.locator('progress').count()).toBe(0);
    await page.context().close();
  });
});
