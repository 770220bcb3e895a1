/**
 * The console end to end, in real headless Chromium against the real app: sign in, upload and watch
 * the document become ready, ask in the playground, audit (verify, export), and an auditor's view.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithRole } from '../support/admin.ts';
import { buildCollection, ingestText } from '../support/engine.ts';
import { launchChromium } from './browser.ts';
import { type ConsoleServer, startConsoleServer } from './console-server.ts';

const SCREENSHOTS = path.join(import.meta.dirname, 'screenshots');
const ADMIN = { email: 'admin@example.com', password: 'admin-password-123' };
const AUDITOR_PASSWORD = 'auditor-password-123';

const POLICY = `# Vacation policy

Every employee gets 30 vacation days per year. Unused vacation days carry over until March 31 of the next year.

## Requesting leave

Request vacation in the HR portal at least two weeks ahead; your manager approves it.
`;

let server: ConsoleServer;
let browser: Browser;
let auditorEmail: string;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  server = await startConsoleServer();
  browser = await launchChromium();
  auditorEmail = (await userWithRole(server.engine, 'auditor', { password: AUDITOR_PASSWORD })).email;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${server.url}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe('console as an administrator', () => {
  let page: Page;

  beforeAll(async () => {
    const context = await browser.newContext({
      viewport: { width: 1366, height: 900 },
      acceptDownloads: true,
    });
    page = await context.newPage();
  });

  it('signs in with the password', async () => {
    await page.goto(`${server.url}/documents?status=ready`);
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    await shot(page, '01-sign-in');
    await page.getByLabel('Password').fill('wrong-password-000');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/.+/);

    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Documents', level: 1 }).waitFor();
    // The deep link survives the sign-in, filters included.
    expect(new URL(page.url()).search).toBe('?status=ready');
    await expect.poll(() => page.getByLabel('Status').inputValue()).toBe('ready');
  });

  it('uploads a file and watches it become ready', async () => {
    await page.goto(`${server.url}/documents`);
    await page.getByLabel('Files to upload').setInputFiles({
      name: 'vacation-policy.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from(POLICY),
    });
    const item = page.getByRole('list', { name: 'Uploads' }).getByRole('listitem').first();
    await expect.poll(() => item.getAttribute('data-phase'), { timeout: 30_000 }).toBe('ready');
    const row = page.getByRole('row', { name: /vacation policy/i });
    await expect.poll(() => row.getByText('ready').count(), { timeout: 15_000 }).toBe(1);
    await shot(page, '02-documents');

    await row.getByRole('link', { name: /vacation policy/i }).click();
    await page.getByRole('heading', { name: 'Indexed text' }).waitFor();
    await expect
      .poll(() => page.getByText('Every employee gets 30 vacation days').count())
      .toBeGreaterThan(0);
    await shot(page, '03-document-detail');
  });

  it('asks in the playground and gets a cited answer', async () => {
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.getByLabel('Your question').fill('How many vacation days does an employee get per year?');
    await page.keyboard.press('Enter');
    const sources = page.getByRole('list', { name: 'Sources' });
    await sources.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('answer').textContent()).toMatch(/30 vacation days/);
    expect(await sources.textContent()).toMatch(/Vacation policy/i);
    const cite = page.getByRole('button', { name: 'Source 1' }).first();
    await cite.click();
    await expect.poll(() => sources.locator('li.highlighted').count()).toBe(1);
    await shot(page, '04-playground');
  });

  it('shows the upload in the audit log, verifies the chain and exports it', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page
      .getByRole('cell', { name: /document\.upload/ })
      .first()
      .waitFor();
    await page.getByLabel('Action').selectOption('document.');
    await expect.poll(() => new URL(page.url()).search).toBe('?action=document.');
    await expect.poll(() => page.getByRole('cell', { name: 'auth.login' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect.poll(() => page.getByTestId('verdict').textContent()).toMatch(/The chain holds/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const file = await download.path();
    expect(readFileSync(file, 'utf8')).toContain('document.upload');
    await shot(page, '05-audit');
  });

  it('opens every page of the navigation without an error', async () => {
    const pages = [
      ['Collections', '06-collections'],
      ['Conversations', '07-conversations'],
      ['Feedback', '08-feedback'],
      ['Usage', '09-usage'],
      ['Users & groups', '10-users'],
      ['API keys', '11-api-keys'],
      ['Settings', '12-settings'],
    ] as const;
    for (const [label, name] of pages) {
      await page.getByRole('link', { name: label }).click();
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.getByText('Something went wrong').count(), label).toBe(0);
      await shot(page, name);
    }
  });
});

describe('console as an auditor', () => {
  it('shows no upload controls, and the API refuses an upload anyway', async () => {
    const collection = await buildCollection(server.engine, { name: 'handbook' });
    await ingestText(server.engine, {
      collectionId: collection.id,
      filename: 'expenses.md',
      text: '# Expenses\n\nReceipts within 30 days.',
    });
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    await signIn(page, auditorEmail, AUDITOR_PASSWORD);
    await page.getByRole('link', { name: 'Documents' }).click();
    await page.getByRole('heading', { name: 'All documents' }).waitFor();
    await page.getByRole('row', { name: /expenses/i }).waitFor();
    expect(await page.getByRole('heading', { name: 'Upload documents' }).count()).toBe(0);
    expect(await page.getByLabel('Files to upload').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Users & groups' }).count()).toBe(0);
    await page
      .getByRole('row', { name: /expenses/i })
      .getByRole('link')
      .click();
    await page.getByRole('heading', { name: 'Details' }).waitFor();
    expect(await page.getByRole('button', { name: /Delete|Re-index/ }).count()).toBe(0);
    await shot(page, '13-auditor-document');

    const status = await page.evaluate(async () => {
      const session = await fetch('/auth/refresh', { method: 'POST', headers: { 'X-ExGPT-CSRF': '1' } });
      const { token } = (await session.json()) as { token: string };
      const form = new FormData();
      form.append('file', new Blob(['sneaky'], { type: 'text/plain' }), 'sneaky.txt');
      const upload = await fetch('/api/v1/documents', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        body: form,
      });
      return upload.status;
    });
    expect(status).toBe(403);
    await context.close();
  });
});
