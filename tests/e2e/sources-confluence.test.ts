/**
 * The Sources page in real Chromium with a Confluence source: a Korean admin picks Confluence, fills in a
 * Server/Data Center site on loopback (the fake of tests/connectors/confluence) and a personal access token,
 * tests the connection, adds it, runs it now and sees the pages it indexed; the token is never shown again.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsoleIfStale, CONSOLE_DIST } from '../../bot/console-build.ts';
import { type FakeConfluence, startFakeConfluence } from '../connectors/confluence/fake-confluence.ts';
import { buildAdminApp } from '../support/admin.ts';
import { buildCollection, createTestEngine, type TestEngine } from '../support/engine.ts';
import { launchChromium } from './browser.ts';

const SCREENSHOTS = path.join(import.meta.dirname, 'screenshots');
const ADMIN = { email: 'admin@example.com', password: 'admin-password-123' };
const TOKEN = 'NjM0NTY3ODkwMTIzOpat-console-test';

let engine: TestEngine;
let app: FastifyInstance;
let url: string;
let browser: Browser;
let fake: FakeConfluence;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await buildConsoleIfStale();
  engine = await createTestEngine({
    INGEST_THREADS: '0',
    CONNECTOR_SECRET_KEY: 'console-confluence-key-0123456789abcdef',
  });
  await buildCollection(engine, { name: '위키', everyone: true });
  fake = await startFakeConfluence({ deployment: 'server', email: '', token: TOKEN });
  const page = (id: string, title: string, parentId: string | null, storage: string) =>
    fake.pages.set(id, {
      id,
      spaceKey: 'HR',
      title,
      parentId,
      version: 1,
      storage,
      readUsers: [],
      readGroups: [],
      attachments: [],
    });
  page('1', '인사 위키', null, '<p>인사팀 위키입니다.</p>');
  page('2', '출장 규정', '1', '<p>출장비는 귀국 후 2주 안에 정산합니다.</p>');
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
  await fake?.close();
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

describe('Sources page, Confluence', () => {
  it('lets a Korean admin add a Confluence Server space with a token, test it, run it and see its pages', async () => {
    const page = await openSources('ko-KR');
    await page.locator('#source-name').fill('인사 위키');
    await page.locator('#source-kind').selectOption('confluence');
    await page.locator('#source-collection').selectOption({ label: '위키' });
    await page.locator('#confluence-deployment').selectOption('server');
    expect(await page.locator('#confluence-email').count()).toBe(0);
    await page.locator('#confluence-url').fill(fake.baseUrl);
    await page.locator('#confluence-spaces').fill('HR');
    await page.locator('#source-secret').fill(TOKEN);
    await page.getByText('개인 액세스 토큰').first().waitFor();
    await page.getByRole('button', { name: '연결 테스트' }).click();
    await page.getByText('연결되었습니다.').waitFor();
    await page.getByRole('button', { name: '소스 추가' }).click();
    const row = page.locator('tr[data-source="인사 위키"]');
    await row.waitFor();
    expect(await row.textContent()).toContain(`${fake.baseUrl} (HR)`);
    await row.getByRole('button', { name: '지금 실행' }).click();
    await row.getByText('추가 2 · 변경 0 · 삭제 0 · 실패 0').waitFor({ timeout: 30_000 });
    expect(await row.locator('td').nth(4).textContent()).toBe('2');
    expect(await page.content()).not.toContain(TOKEN);
    expect(fake.unexpected).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, '31-sources-confluence-ko.png'), fullPage: true });
    await page.context().close();
  });
});
