import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// The console is plain static files served by the web process (bot/console-routes.ts); `npm start`
// builds it when its sources are newer than dist (admin/web/build.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [svelte({ configFile: false })],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 300,
  },
  server: {
    // `npx vite admin/web` for development against a running `npm start` on :3000.
    proxy: Object.fromEntries(
      ['/graphql', '/auth', '/api'].map((path) => [
        path,
        { target: 'http://127.0.0.1:3000', changeOrigin: false },
      ]),
    ),
  },
});
