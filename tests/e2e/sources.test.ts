/**
 * The Sources page in real Chromium: a Korean admin adds a folder source, runs it now and sees the run's
 * counts arrive; an English admin sees why a run of a missing folder failed.
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsoleIfStale, CONSOLE_DIST } from '../../bot/console-build.ts';
import { buildAdminApp } from '../support/admin.ts';
import { buildCollection, createTestEngine, type TestEngine } from '../support/engine.ts';
import { launchChromium } from './browser.ts';

const SCREENSHOTS = path.join(import.meta.dirname, 'screenshots');
const ADMIN = { email: 'admin@example.com', password: 'admin-password-123' };

let engine: TestEngine;
let app: FastifyInstance;
let url: string;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await buildConsoleIfStale();
  engine = await createTestEngine({ INGEST_THREADS: '0' });
  await buildCollection(engine, { name: '인사', everyone: true });
  dir = await mkdtemp(path.join(tmpdir(), 'exgpt-console-folder-'));
  await writeFile(path.join(dir, '출장-규정.md'), '# 출장 규정\n\n출장비는 귀국 후 2주 안에 정산합니다.\n');
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
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function openSources(locale: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale });
  const page = await context.newPage();
  await page.goto(`${url}/sources`);
  await page.locator('input[type="email"]').fill(ADMIN.email);
  await page.locator('input[type="password"]').fill(ADMIN.password);
  await page.locator('form button[type="submit"]').click();
  await page.locator('#source-name').waitFor();
  return page;
}

async function addFolder(page: Page, name: string, folder: string, submit: string): Promise<void> {
  await page.locator('#source-name').fill(name);
  await page.locator('#source-collection').selectOption({ label: '인사' });
  await page.locator('#source-path').fill(folder);
  await page.getByRole('button', { name: submit }).click();
  await page.locator(`tr[data-source="${name}"]`).waitFor();
}

describe('Sources page', () => {
  it('lets a Korean admin add a folder, run it now and see what it indexed', async () => {
    const page = await openSources('ko-KR');
    await page.getByRole('heading', { name: '소스', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: '소스' }).count()).toBe(1);
    await addFolder(page, '인사 공유 폴더', dir, '소스 추가');
    const row = page.locator('tr[data-source="인사 공유 폴더"]');
    expect(await row.textContent()).toContain('실행한 적 없음');
    await row.getByRole('button', { name: '지금 실행' }).click();
    await row.getByText('추가 1 · 변경 0 · 삭제 0 · 실패 0').waitFor({ timeout: 30_000 });
    expect(await row.locator('td').nth(4).textContent()).toBe('1');
    expect(await page.getByText('Something went wrong').count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, '30-sources-ko.png'), fullPage: true });
    await page.context().close();
  });

  it('shows an English admin why a run failed', async () => {
    const page = await openSources('en-US');
    const missing = path.join(dir, 'moved-away');
    await addFolder(page, 'Old share', missing, 'Add source');
    const row = page.locator('tr[data-source="Old share"]');
    await row.getByRole('button', { name: 'Run now' }).click();
    await row.getByText(`${missing} is not a folder this server can read.`).waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('Failed');
    await page.context().close();
  });
});
