import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { formatDateTime } from './lib/format.ts';
import { i18n, setLocale } from './lib/i18n.svelte.ts';
import { route } from './lib/router.svelte.ts';

let component: ReturnType<typeof mount> | null = null;
const SETTINGS = {
  retentionDays: 30,
  redactEmails: false,
  redactPhoneNumbers: false,
  modelPrices: [],
  suggestedPrompts: [
    { locale: 'en', prompts: [] },
    { locale: 'ko', prompts: [{ title: '연차', message: '연차는 며칠인가요?' }] },
  ],
};

/** The server for the shell: a refresh that signs `locale`'s user in, and the GraphQL the page and the switch use. */
function fakeServer(locale: string | null) {
  const graphql: { query: string; variables: Record<string, unknown> }[] = [];
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    if (url === '/auth/refresh') {
      const grant = {
        token: 'token',
        expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
        user: { id: 'u1', email: 'admin@example.com', name: '김관리', role: 'admin', locale },
      };
      return new Response(JSON.stringify(grant), { headers: { 'content-type': 'application/json' } });
    }
    if (url !== '/graphql') throw new Error(`unexpected request to ${url}`);
    const body = JSON.parse(String(init?.body)) as { query: string; variables?: Record<string, unknown> };
    graphql.push({ query: body.query, variables: body.variables ?? {} });
    const data = body.query.includes('setMyLocale')
      ? { setMyLocale: { locale: body.variables?.l } }
      : { settings: SETTINGS };
    return new Response(JSON.stringify({ data }), { headers: { 'content-type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return { graphql, fetchMock };
}

function render() {
  history.replaceState(null, '', '/settings');
  route.path = '/settings';
  route.search = '';
  component = mount(App, { target: document.body, props: {} });
  flushSync();
}

const navText = () => document.querySelector('nav')?.textContent ?? '';
const heading = () => document.querySelector('main h1')?.textContent ?? '';

beforeEach(() => {
  document.body.innerHTML = '';
  setLocale('en');
});
afterEach(() => {
  if (component) unmount(component);
  component = null;
  vi.unstubAllGlobals();
});

describe('the console language', () => {
  it('switches to Korean from the user menu without a reload, and remembers it on the server', async () => {
    const { graphql } = fakeServer(null);
    render();
    await vi.waitFor(() => expect(heading()).toBe('Settings'));
    expect(navText()).toContain('Documents');
    const nav = document.querySelector('nav');
    const loads = performance.getEntriesByType('navigation').length;

    const select = document.querySelector<HTMLSelectElement>('select[aria-label="Language"]')!;
    expect([...select.options].map((o) => o.textContent)).toEqual(['English', '한국어']);
    select.value = 'ko';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    flushSync();

    expect(heading()).toBe('설정');
    expect(navText()).toContain('문서');
    expect(navText()).toContain('컬렉션');
    expect(navText()).toContain('감사 로그');
    expect(navText()).not.toContain('Documents');
    expect(document.body.textContent).toContain('로그아웃');
    expect(document.body.textContent).toContain('Slack 추천 질문');
    expect(document.documentElement.lang).toBe('ko');
    // The same page, not a new one: the nav element survived and nothing navigated.
    expect(document.querySelector('nav')).toBe(nav);
    expect(performance.getEntriesByType('navigation').length).toBe(loads);
    await vi.waitFor(() =>
      expect(graphql.find((c) => c.query.includes('setMyLocale'))?.variables).toEqual({ l: 'ko' }),
    );
    // Dates follow the language too.
    expect(formatDateTime('2026-03-01T09:30:00Z')).toMatch(/2026\. 3\. 1\./);
  });

  it('opens in the language the user chose before, whatever the browser says', async () => {
    fakeServer('ko');
    render();
    await vi.waitFor(() => expect(heading()).toBe('설정'));
    expect(i18n.locale).toBe('ko');
    expect(navText()).toContain('사용자 및 그룹');
  });
});
