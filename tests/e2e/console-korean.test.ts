/**
 * The console for a Korean admin, in real headless Chromium: a browser whose language is Korean signs in
 * and every page is shown in Korean (screenshots in tests/e2e/screenshots/ko-*.png). The choice made in
 * the user menu is remembered for the user: a fresh English browser opens in Korean after sign-in.
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

/** Each page by its path, with the Korean heading it must show. */
const PAGES: readonly { path: string; heading: string; name: string }[] = [
  { path: '/documents', heading: '문서', name: 'ko-02-documents' },
  { path: '/collections', heading: '컬렉션', name: 'ko-03-collections' },
  { path: '/playground', heading: '플레이그라운드', name: 'ko-04-playground' },
  { path: '/conversations', heading: '대화', name: 'ko-05-conversations' },
  { path: '/feedback', heading: '피드백', name: 'ko-06-feedback' },
  { path: '/usage', heading: '사용량', name: 'ko-07-usage' },
  { path: '/audit', heading: '감사 로그', name: 'ko-08-audit' },
  { path: '/users', heading: '사용자 및 그룹', name: 'ko-09-users' },
  { path: '/api-keys', heading: 'API 키', name: 'ko-10-api-keys' },
  { path: '/system', heading: '시스템 상태', name: 'ko-13-system-status' },
  { path: '/settings', heading: '설정', name: 'ko-11-settings' },
];

/**
 * English words that only an untranslated console string would put on a Korean page (the data shown here
 * is Korean, or names such as e-mail addresses, file types and model names).
 */
const ENGLISH =
  /\b(the|and|of|to|on|this|is|are|with|from|your|no|none|all|page|events?|documents?|chunks?|tokens?|items?|users?|optional|failed|source|started|indexed|uploading|indexing)\b/i;

/**
 * The visible text of the page's main region, with what is data, not wording, taken out: e-mail addresses,
 * audit action codes, and the descriptions the first start stores for the "general" collection and the "everyone" group.
 */
async function wording(page: Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the visible text, what a reader sees
  const text = (await page.locator('main').innerText()) ?? '';
  return (
    text
      .replace(/[\w.+-]+@[\w.-]+/g, ' ')
      // Audit action codes (user.create, auth.login) are identifiers an auditor filters by, shown as stored.
      .replace(/\b[a-z_]+(\.[a-z_]+)+\b/g, ' ')
      .replace(/Documents every user may read|Every user joins this group/g, ' ')
  );
}

/** The lines of the page's wording that read as English: empty when everything is translated. */
async function englishLines(page: Page): Promise<string[]> {
  return (await wording(page)).split('\n').filter((line) => ENGLISH.test(line));
}

let server: ConsoleServer;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  server = await startConsoleServer();
  browser = await launchChromium();
  const handbook = await buildCollection(server.engine, { name: '취업규칙', everyone: true });
  await ingestText(server.engine, {
    collectionId: handbook.id,
    filename: '연차-규정.md',
    text: '# 연차 규정\n\n모든 직원은 연 25일의 연차를 받습니다. 사용하지 않은 연차는 다음 해 3월 31일까지 이월됩니다.\n',
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function signIn(page: Page, labels: { email: string; password: string; submit: string }) {
  await page.goto(`${server.url}/`);
  await page.getByLabel(labels.email).fill(ADMIN.email);
  await page.getByLabel(labels.password).fill(ADMIN.password);
  await page.getByRole('button', { name: labels.submit }).click();
}

describe('the console in a Korean browser', () => {
  let page: Page;

  beforeAll(async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'ko-KR' });
    page = await context.newPage();
  });

  it('signs in in Korean', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: '콘솔에 로그인' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ko');
    await shot(page, 'ko-01-sign-in');
    await signIn(page, { email: '이메일', password: '비밀번호', submit: '로그인' });
    await page.getByRole('navigation', { name: '주 메뉴' }).waitFor();
  });

  for (const each of PAGES) {
    it(`shows ${each.path} in Korean`, async () => {
      await page
        .getByRole('navigation', { name: '주 메뉴' })
        .getByRole('link', { name: each.heading })
        .click();
      await page.getByRole('heading', { name: each.heading, level: 1 }).waitFor();
      // Live pages keep an event stream open: wait for the page's content, not for an idle network.
      await page.locator('main').getByText(/\S/).first().waitFor();
      await shot(page, each.name);
      expect(await englishLines(page)).toEqual([]);
      const nav = await page.getByRole('navigation', { name: '주 메뉴' }).textContent();
      expect(nav).toContain('로그아웃');
      expect(nav).not.toMatch(/Documents|Sign out/);
    });
  }

  it('tells a Korean admin in Korean that Slack is not connected, naming the variable, before binding', async () => {
    await page.getByRole('navigation', { name: '주 메뉴' }).getByRole('link', { name: '컬렉션' }).click();
    const notice = page.getByTestId('platform-off');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    expect(text).toContain('Slack이 연결되어 있지 않습니다');
    expect(text).toContain('SLACK_BOT_TOKEN');
    expect(await page.getByRole('button', { name: '나중을 위해 연결' }).count()).toBe(1);
    await notice.scrollIntoViewIfNeeded();
    await shot(page, 'ko-14-binding-slack-off');
  });

  it('rates a Playground answer 👎 with a Korean comment, which the Feedback page then shows', async () => {
    const nav = page.getByRole('navigation', { name: '주 메뉴' });
    await nav.getByRole('link', { name: '플레이그라운드' }).click();
    await page.locator('#question').fill('연차는 며칠인가요?');
    await page.locator('#question').press('Enter');
    const turn = page.locator('#turn-0');
    await turn.getByRole('list', { name: '출처' }).waitFor();
    await turn.getByRole('button', { name: '👎 도움이 안 됨' }).click();
    await turn.getByLabel('무엇이 틀렸거나 빠졌나요? (선택)').fill('이월 기한이 빠졌습니다');
    await turn.getByRole('button', { name: '보내기' }).click();
    await turn.getByText('의견을 보내 주셔서 감사합니다!').waitFor();
    expect(await turn.getByRole('button', { name: '👎 도움이 안 됨' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    await shot(page, 'ko-15-playground-feedback');

    await nav.getByRole('link', { name: '피드백' }).click();
    await page.getByText('“이월 기한이 빠졌습니다”').waitFor();
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the visible text, what a reader sees
    expect(await page.locator('main').innerText()).toContain('연차는 며칠인가요?');
    await shot(page, 'ko-16-feedback-from-playground');
  });

  it('shows a document in Korean', async () => {
    await page.getByRole('navigation', { name: '주 메뉴' }).getByRole('link', { name: '문서' }).click();
    await page
      .getByRole('link', { name: /연차 규정|연차-규정/ })
      .first()
      .click();
    await page.getByRole('heading', { name: '색인된 텍스트' }).waitFor();
    await shot(page, 'ko-12-document-detail');
    expect(await wording(page)).toContain('청크 1개');
    expect(await englishLines(page)).toEqual([]);
  });

  it('remembers the language for the user: a fresh English browser opens in Korean after sign-in', async () => {
    const select = page.locator('select[aria-label="언어"]');
    await select.selectOption('en');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).waitFor();
    await page.locator('select[aria-label="Language"]').selectOption('ko');
    await page.getByRole('navigation', { name: '주 메뉴' }).getByRole('link', { name: '설정' }).waitFor();

    const english = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
    const other = await english.newPage();
    await other.goto(`${server.url}/`);
    await other.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    await other.getByLabel('Email').fill(ADMIN.email);
    await other.getByLabel('Password').fill(ADMIN.password);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('navigation', { name: '주 메뉴' }).waitFor();
    await english.close();
  });
});
