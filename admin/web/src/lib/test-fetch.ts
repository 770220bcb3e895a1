/** A fake server for component tests: answers GraphQL by operation keyword, fails on anything else. */
import { vi } from 'vitest';

export type Resolver = (variables: Record<string, unknown>, query: string) => unknown;

export function fakeGraphql(resolvers: Record<string, Resolver>) {
  const calls: { query: string; variables: Record<string, unknown> }[] = [];
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    if (url !== '/graphql') throw new Error(`unexpected request to ${url}`);
    const { query, variables = {} } = JSON.parse(String(init?.body)) as {
      query: string;
      variables?: Record<string, unknown>;
    };
    calls.push({ query, variables });
    const field = Object.keys(resolvers).find((name) => new RegExp(`\\b${name}\\s*[({]`).test(query));
    if (!field) throw new Error(`unexpected operation: ${query}`);
    const data = { [field]: resolvers[field]!(variables, query) };
    return new Response(JSON.stringify({ data }), { headers: { 'content-type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return { calls, fetchMock };
}
