/**
 * The CLI talks to the running server over REST when one is up (the embedded database allows one
 * process per data directory) and opens the database itself when none is.
 */
import path from 'node:path';
import { type Config, ConfigError, loadConfig, type Principal } from '#core';
import {
  authenticateApiKey,
  bootstrapDatabase,
  DEFAULT_ADMIN_EMAIL,
  findUserByEmail,
  toPrincipal,
} from '#db';
import { createEngine, type Engine } from '../../workers/engine.ts';
import { createInProcessQueue, type InProcessQueue } from '../../workers/in-process-queue.ts';
import { createLogger } from '../../workers/logger.ts';
import { readCliKey, readServerInfo } from '../data-dir.ts';
import { keepFirstStartCredentials } from '../first-start.ts';

export type Connection =
  | { readonly mode: 'remote'; readonly url: string; readonly apiKey: string; readonly config: Config }
  | {
      readonly mode: 'local';
      readonly config: Config;
      readonly engine: Engine;
      readonly queue: InProcessQueue;
      readonly principal: Principal;
      close(): Promise<void>;
    };

export function loadCliConfig(): Config {
  try {
    // The CLI's own logs would drown its output, and what goes wrong with a file is in its summary:
    // errors only unless LOG_LEVEL asks for more.
    return loadConfig({ LOG_LEVEL: 'error', ...process.env });
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

export async function connect(
  options: { onProgress?: Parameters<typeof createEngine>[0]['onProgress'] } = {},
): Promise<Connection> {
  const config = loadCliConfig();
  const dataDir = path.resolve(config.DATA_DIR);
  const server = readServerInfo(dataDir);
  const apiKey = process.env.EXGPT_API_KEY ?? readCliKey(dataDir);
  const url = process.env.EXGPT_URL ?? server?.url;
  if (url && (await isUp(url))) {
    if (!apiKey) fail(`A server is running at ${url}, but no API key was found: set EXGPT_API_KEY.`);
    return { mode: 'remote', url, apiKey, config };
  }
  if (process.env.EXGPT_URL) fail(`No ex-GPT server answers at ${process.env.EXGPT_URL}.`);

  const logger = createLogger(config, 'ex-gpt-cli');
  const engine = await createEngine({
    config,
    logger,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const boot = await bootstrapDatabase(engine.database.db, {
    adminEmail: config.ADMIN_EMAIL,
    adminPassword: config.ADMIN_PASSWORD,
  });
  if (boot.created) {
    keepFirstStartCredentials(dataDir, boot);
    process.stderr.write(
      `First use of ${dataDir}: created administrator ${boot.adminEmail}` +
        (boot.generatedPassword
          ? ` with password ${boot.generatedPassword} (npm start shows it again until you first sign in).\n`
          : '.\n'),
    );
  }
  const principal = await localPrincipal(engine, apiKey ?? readCliKey(dataDir), config);
  const queue = createInProcessQueue({
    handlers: engine.handlers,
    logger,
    concurrency: config.WORKER_CONCURRENCY,
  });
  return {
    mode: 'local',
    config,
    engine,
    queue,
    principal,
    async close() {
      await queue.close();
      await engine.close();
    },
  };
}

async function localPrincipal(engine: Engine, apiKey: string | null, config: Config): Promise<Principal> {
  if (apiKey) {
    const principal = await authenticateApiKey(engine.database.db, apiKey);
    if (principal) return principal;
  }
  const admin = await findUserByEmail(engine.database.db, config.ADMIN_EMAIL ?? DEFAULT_ADMIN_EMAIL);
  if (admin) return toPrincipal(admin);
  fail('No CLI identity found: set EXGPT_API_KEY to an API key.');
}

async function isUp(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(1500) });
    return response.ok;
  } catch {
    return false;
  }
}

export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** REST call with the CLI's key; errors become one readable line. */
export async function callApi(
  connection: { url: string; apiKey: string },
  pathname: string,
  init: RequestInit = {},
): Promise<Response> {
  const response = await fetch(new URL(pathname, connection.url), {
    ...init,
    headers: { authorization: `Bearer ${connection.apiKey}`, ...(init.headers ?? {}) },
  });
  if (
    !response.ok &&
    !(init.headers as Record<string, string> | undefined)?.accept?.includes('event-stream')
  ) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  }
  return response;
}
