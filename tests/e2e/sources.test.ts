/**
 * The Sources page in real Chromium: a Korean admin adds a folder source, runs it now and sees the run's
 * counts arrive; an English admin sees why a run of a missing folder failed; a Korean admin connects a
 * SharePoint site (a loopback fake Microsoft Graph), tests the connection and runs it.
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsoleIfStale, CONSOLE_DIST } from '../../bot/console-build.ts';
import { type FakeGraph, SHARED_DOCUMENTS, startFakeGraph } from '../fakes/microsoft-graph.ts';
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
let graph: FakeGraph;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await buildConsoleIfStale();
  graph = await startFakeGraph();
  graph.put({
    driveId: SHARED_DOCUMENTS,
    id: '01WELFARE',
    name: '복지-포인트.md',
    folder: '',
    text: '# 복지 포인트\n\n복지 포인트는 매년 1월 1일에 100만 포인트가 지급됩니다.\n',
    permissions: { value: [{ id: 'org', roles: ['read'], link: { scope: 'organization', type: 'view' } }] },
  });
  engine = await createTestEngine({
    INGEST_THREADS: '0',
    CONNECTOR_SECRET_KEY: 's'.repeat(40),
    MICROSOFT_GRAPH_URL: graph.apiUrl,
    MICROSOFT_LOGIN_URL: graph.loginUrl,
  });
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
  await graph?.close();
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

  it('lets a Korean admin connect a SharePoint site, test it and run it', async () => {
    const page = await openSources('ko-KR');
    await page.locator('#source-name').fill('인사 SharePoint');
    await page.locator('#source-kind').selectOption({ label: 'SharePoint / OneDrive' });
    await page.locator('#source-collection').selectOption({ label: '인사' });
    await page.locator('#source-tenant').fill(graph.tenantId);
    await page.locator('#source-client').fill(graph.clientId);
    await page.locator('#source-site').fill(graph.siteUrl);
    await page.getByText('클라이언트 암호').waitFor();
    await page.locator('#source-secret').fill(graph.clientSecret);
    await page.getByRole('button', { name: '연결 테스트' }).click();
    await page.getByText('연결되었습니다.').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: '소스 추가' }).click();
    const row = page.locator('tr[data-source="인사 SharePoint"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('SharePoint / OneDrive');
    expect(await row.textContent()).toContain(graph.siteUrl);
    await row.getByRole('button', { name: '지금 실행' }).click();
    await row.getByText('추가 1 · 변경 0 · 삭제 0 · 실패 0').waitFor({ timeout: 30_000 });
    // The secret went to Microsoft sign-in only, and the page never shows it again.
    expect(await page.content()).not.toContain(graph.clientSecret);
    expect(graph.unexpected).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, '31-sources-sharepoint-ko.png'), fullPage: true });
    await page.context().close();
  });
});
