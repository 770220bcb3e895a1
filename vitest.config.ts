import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships CommonJS and ESM copies; Node (and so graphql-yoga) loads the CommonJS one, Vite would
    // pick the ESM one for our sources: two realms, and graphql's instanceof checks fail. One copy only.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { LOG_LEVEL: 'silent' },
    // A throwaway Redis and a real PostgreSQL for the run, unless REDIS_TEST_URL / TEST_DATABASE_URL name them.
    globalSetup: ['tests/support/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          include: [
            'core/**/*.test.ts',
            'i18n/**/*.test.ts',
            'db/**/*.test.ts',
            'workers/**/*.test.ts',
            'bot/**/*.test.ts',
            'admin/**/*.test.ts',
            'tests/**/*.test.ts',
          ],
          // The console's component tests run in a DOM with Svelte's browser build: their own project.
          exclude: ['**/node_modules/**', 'admin/web/**'],
        },
      },
      'admin/web/vitest.config.ts',
    ],
  },
});
