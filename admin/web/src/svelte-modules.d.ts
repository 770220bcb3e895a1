// TypeScript 7 (the repo's tsc) checks the .ts modules; components are compiled and checked for
// warnings by admin/web/check-svelte.ts.
declare module '*.svelte' {
  import type { Component } from 'svelte';

  const component: Component<Record<string, unknown>>;
  export default component;
}
