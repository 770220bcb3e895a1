/** The real web process app on loopback, serving the built console, on a fresh test engine. */
import type { FastifyInstance } from 'fastify';
import { buildConsoleIfStale, CONSOLE_DIST } from '../../bot/console-build.ts';
import { createInProcessProgressFeed } from '../../workers/in-process-progress-feed.ts';
import { buildAdminApp } from '../support/admin.ts';
import { createTestEngine, type TestEngine } from '../support/engine.ts';

export interface ConsoleServer {
  readonly url: string;
  readonly engine: TestEngine;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** env: configuration on top of the test defaults, e.g. Slack's variables to have Slack count as connected. */
export async function startConsoleServer(env: Record<string, string> = {}): Promise<ConsoleServer> {
  await buildConsoleIfStale();
  const feed = createInProcessProgressFeed();
  const engine = await createTestEngine(env, {
    // As in bot/main.ts: ingestion progress reaches the documentProgress subscription.
    onProgress: (documentId, progress) =>
      feed.publish({
        documentId,
        progress,
        status: progress.stage === 'done' ? 'ready' : progress.stage === 'failed' ? 'failed' : 'processing',
      }),
  });
  const app = await buildAdminApp(engine, { progressFeed: feed, consoleDir: CONSOLE_DIST });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    engine,
    app,
    async close() {
      await app.close();
      await feed.close();
      await engine.close();
    },
  };
}
