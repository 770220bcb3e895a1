import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineProject } from 'vitest/config';

// Component tests: Svelte's browser build in happy-dom (the root config runs everything else in Node).
export default defineProject({
  plugins: [svelte({ configFile: false })],
  resolve: { conditions: ['browser'] },
  test: {
    name: 'console',
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
  },
});
