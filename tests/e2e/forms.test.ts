/**
 * Forms that used to lose work, in real Chromium: Add user keeps what was typed and says what is wrong
 * beside the field, a collection is not saved as readable by nobody, a channel binding checks its id and
 * is edited in place with checkboxes, and a collection with documents can be deleted with them. The guide
 * collection is offered for deletion once company documents are in.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCollection, ingestText } from '../support/engine.ts';
import { launchChromium } from './browser.ts';
import { type ConsoleServer, startConsoleServer } from './console-server.ts';

const SCREENSHOTS = path.join(import.meta.dirname, 'screenshots');
const ADMIN = { email: 'admin@example.com', password: 'admin-password-123' };

let server: ConsoleServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Slack connected, Teams not: the binding form warns about Teams only.
  server = await startConsoleServer({
    SLACK_BOT_TOKEN: 'xoxb-e2e',
    SLACK_SIGNING_SECRET: 'e2e-signing-secret',
  });
  const guide = await buildCollection(server.engine, { name: 'ex-gpt-guide', everyone: true });
  await ingestText(server.engine, {
    collectionId: guide.id,
    filename: 'README.md',
    text: '# ex-GPT\n\nUpload documents in the console.\n',
  });
  const hr = await buildCollection(server.engine, { name: '인사 자료', everyone: true });
  await ingestText(server.engine, {
    collectionId: hr.id,
    filename: '휴가-규정.md',
    text: '# 휴가 규정\n\n연차 휴가는 입사 1년 후 15일이 주어집니다.\n',
  });
  const admin = await buildCollection(server.engine, { name: '총무', everyone: true });
  for (const [filename, text] of [
    ['주차-안내.md', '# 주차 안내\n\n직원 주차장은 지하 2층입니다.\n'],
    ['식당-메뉴.md', '# 식당 메뉴\n\n금요일 점심은 비빔밥입니다.\n'],
  ] as const) {
    await ingestText(server.engine, { collectionId: admin.id, filename, text });
  }
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
  page = await context.newPage();
  await page.goto(`${server.url}/users`);
  await page.locator('input[type="email"]').fill(ADMIN.email);
  await page.locator('input[type="password"]').fill(ADMIN.password);
  await page.locator('form button[type="submit"]').click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const shot = (name: string) =>
  page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

describe('forms keep the work', () => {
  it('Add user states the password rule, says a short one is short beside the field, and keeps the input', async () => {
    await page.getByRole('button', { name: 'Add user' }).first().click();
    await page.getByText('At least 12 characters.').waitFor();
    await page.locator('#u-email').fill('kim.jisoo@example.kr');
    await page.locator('#u-name').fill('김지수');
    await page.locator('#u-password').fill('짧은비번');
    await page.locator('form button[type="submit"]', { hasText: 'Add user' }).click();
    await page.locator('#u-password-error').waitFor();
    expect(await page.locator('#u-password-error').textContent()).toBe(
      'Use at least 12 characters (4 characters now).',
    );
    expect(await page.locator('#u-email').inputValue()).toBe('kim.jisoo@example.kr');
    expect(await page.locator('#u-name').inputValue()).toBe('김지수');
    await shot('22-add-user-error');

    await page.locator('#u-password').fill('한국어-비밀번호-2026');
    await page.locator('form button[type="submit"]', { hasText: 'Add user' }).click();
    await page.getByText('kim.jisoo@example.kr').first().waitFor();
    expect(await page.locator('#u-email').count()).toBe(0);
  });

  it('refuses "Only these groups" with none ticked, beside the choice, keeping the name', async () => {
    await page.getByRole('link', { name: 'Collections' }).click();
    await page.getByRole('button', { name: 'New collection' }).click();
    await page.locator('#c-name').fill('재무 자료');
    await page.getByLabel('Only these groups').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Tick at least one group, or choose Everyone').waitFor();
    expect(await page.locator('#c-name').inputValue()).toBe('재무 자료');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('offers to delete the guide once company documents are in', async () => {
    await page.getByRole('note').getByText('ex-GPT’s own guide (“ex-gpt-guide”) is still indexed.').waitFor();
    await shot('23-collections-guide-offer');
  });

  it('lets the Playground answer from one chosen collection', async () => {
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.locator('#playground-scope').selectOption({ label: 'general' });
    await page.locator('#question').fill('연차 휴가는 며칠인가요?');
    await page.locator('#question').press('Enter');
    await page.getByText('No answer found in the documents you can see').waitFor();

    await page.locator('#playground-scope').selectOption({ label: '인사 자료' });
    await page.locator('#question').fill('연차 휴가는 며칠인가요?');
    await page.locator('#question').press('Enter');
    await page.locator('#turn-1').getByRole('list', { name: 'Sources' }).waitFor();
    expect(await page.locator('#turn-1').textContent()).toContain('15일');
    await shot('27-playground-scope');
    await page.getByRole('link', { name: 'Collections' }).click();
  });

  it('says when the chosen platform is not connected, naming the variable to set', async () => {
    expect(await page.getByTestId('platform-off').count()).toBe(0);
    await page.locator('#b-platform').selectOption('teams');
    const notice = page.getByTestId('platform-off');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('MICROSOFT_APP_ID');
    expect(await page.getByRole('button', { name: 'Bind for later' }).count()).toBe(1);
    await page.locator('#b-platform').selectOption('slack');
    await notice.waitFor({ state: 'detached' });
  });

  it('checks the channel id, binds with checkboxes, and edits the binding in place', async () => {
    await page.locator('#b-channel').fill('general');
    await page.getByRole('button', { name: 'Bind channel' }).click();
    await page.locator('#b-channel-error').waitFor();
    expect(await page.locator('#b-channel-error').textContent()).toContain('looks like C0123ABCD');
    expect(await page.getByText('Tick at least one collection.').count()).toBe(1);

    await page.locator('#b-channel').fill('C0123ABCD');
    await page.locator('#b-name').fill('#인사-문의');
    await page.locator('.picker').getByLabel('인사 자료').check();
    await page.getByRole('button', { name: 'Bind channel' }).click();
    const row = page.locator('section[aria-labelledby="channels-title"] tbody tr', { hasText: '#인사-문의' });
    await row.waitFor();
    expect(await row.textContent()).toContain('인사 자료');

    await row.getByRole('button', { name: 'Edit' }).click();
    expect(await page.locator('#b-channel').inputValue()).toBe('C0123ABCD');
    expect(await page.locator('.picker').getByLabel('인사 자료').isChecked()).toBe(true);
    await page.locator('.picker').getByLabel('ex-gpt-guide').check();
    await page.locator('#b-mode').selectOption('all');
    await shot('24-binding-edit');
    await page.getByRole('button', { name: 'Save binding' }).click();
    await expect.poll(() => row.textContent()).toContain('ex-gpt-guide');
    expect(await row.textContent()).toContain('Every question');
  });

  it('moves and deletes several documents at once', async () => {
    await page.getByRole('link', { name: 'Documents' }).click();
    await page.getByRole('heading', { name: 'Documents', level: 1 }).waitFor();
    await page.getByLabel(/^Select 주차/).check();
    await page.getByLabel(/^Select 식당/).check();
    await page.getByText('2 documents selected').first().waitFor();
    await page.locator('#bulk-move').selectOption({ label: 'general' });
    await shot('26-documents-bulk');
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await page.getByText('Move: 2 documents done.').waitFor();
    const rowOf = (title: string) => page.locator('tbody tr', { hasText: title });
    await expect.poll(() => rowOf('주차').textContent()).toContain('general');
    expect(await rowOf('식당').textContent()).toContain('general');

    await page.getByLabel(/^Select 주차/).check();
    await page.getByLabel(/^Select 식당/).check();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Delete 2 documents?').waitFor();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('Delete: 2 documents done.').waitFor();
    await expect.poll(() => rowOf('주차').count()).toBe(0);
    expect(await rowOf('식당').count()).toBe(0);
    await page.getByRole('link', { name: 'Collections' }).click();
  });

  it('deletes a collection together with its documents, after saying how many', async () => {
    const row = page.locator('tbody tr', { hasText: '인사 자료' }).first();
    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('holds 1 document').waitFor();
    await shot('25-collection-delete-with-documents');
    await dialog.getByRole('button', { name: 'Delete collection and 1 document' }).click();
    await page.getByText('Deleted “인사 자료”.').waitFor();
    // The toast comes first; the list is then loaded again.
    await expect.poll(() => page.locator('tbody tr', { hasText: '인사 자료' }).count()).toBe(0);
  });
});
