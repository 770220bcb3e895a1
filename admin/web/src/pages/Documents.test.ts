import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { route } from '../lib/router.svelte.ts';
import { session } from '../lib/session.svelte.ts';
import { fakeGraphql } from '../lib/test-fetch.ts';
import type { Role } from '../lib/types.ts';
import Documents from './Documents.svelte';

const doc = (n: number) => ({
  id: `00000000-0000-4000-8000-00000000000${n}`,
  title: `Policy ${n}`,
  filename: `policy-${n}.md`,
  sourceKey: `policy-${n}.md`,
  mimeType: 'text/markdown',
  sizeBytes: 2048,
  version: 1,
  status: n === 2 ? 'failed' : 'ready',
  progress: null,
  error: n === 2 ? 'Could not parse the file' : null,
  chunkCount: 3,
  updatedAt: new Date().toISOString(),
  collection: { id: 'c1', name: 'handbook' },
});

let component: ReturnType<typeof mount> | null = null;

function render(role: Role, search = '') {
  session.user = { id: 'u1', email: 'me@example.com', name: null, role };
  session.status = 'signed-in';
  history.replaceState(null, '', `/documents${search}`);
  route.path = '/documents';
  route.search = search;
  component = mount(Documents, { target: document.body, props: {} });
  flushSync();
}

beforeEach(() => {
  document.body.innerHTML = '';
});
afterEach(() => {
  if (component) unmount(component);
  component = null;
  vi.unstubAllGlobals();
});

describe('Documents page', () => {
  it('lists documents with their status and error, and passes the URL filters to the API', async () => {
    const { calls } = fakeGraphql({
      documents: () => ({ nodes: [doc(1), doc(2)], pageInfo: { hasNextPage: true, endCursor: 'c2' } }),
      collections: () => [],
    });
    render('auditor', '?status=failed&q=policy');
    await vi.waitFor(() => expect(document.body.textContent).toContain('Policy 2'));
    expect(document.body.textContent).toContain('Could not parse the file');
    const query = calls.find((call) => call.query.includes('documents('));
    expect(query?.variables).toMatchObject({ status: 'failed', search: 'policy', first: 25 });
    const next = [...document.querySelectorAll('button')].find((b) => b.textContent?.includes('Next'));
    expect(next?.disabled).toBe(false);
  });

  it('shows no upload controls to an auditor, and the drop zone to a curator', async () => {
    fakeGraphql({
      documents: () => ({ nodes: [], pageInfo: { hasNextPage: false, endCursor: null } }),
      collections: () => [],
    });
    render('auditor');
    await vi.waitFor(() => expect(document.body.textContent).toContain('No documents yet'));
    expect(document.querySelector('input[type=file]')).toBeNull();
    expect(document.body.textContent).not.toContain('Upload documents');
    unmount(component!);

    document.body.innerHTML = '';
    render('curator');
    await vi.waitFor(() => expect(document.body.textContent).toContain('No documents yet'));
    expect(document.querySelector('input[type=file]')).not.toBeNull();
    expect(document.body.textContent).toContain('Upload documents');
  });

  it('shows the error with a way to try again', async () => {
    let fail = true;
    fakeGraphql({
      documents: () => {
        if (fail) throw new Error('boom');
        return { nodes: [doc(1)], pageInfo: { hasNextPage: false, endCursor: null } };
      },
      collections: () => [],
    });
    // A thrown resolver becomes a network-level failure of fetch.
    render('auditor');
    await vi.waitFor(() => expect(document.body.textContent).toContain('Something went wrong'));
    fail = false;
    const retry = [...document.querySelectorAll('button')].find((b) => b.textContent?.includes('Try again'));
    retry!.click();
    await vi.waitFor(() => expect(document.body.textContent).toContain('Policy 1'));
  });
});
