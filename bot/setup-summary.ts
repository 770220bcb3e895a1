/**
 * How this install is configured, in words an operator recognises: printed once as the start-up banner
 * and served (with live checks) by the admin API's systemStatus. Never carries a secret: connection
 * strings are reduced to their host and database.
 */
import { type Config, chatPlatformSetup, type PlatformSetup } from '#core';

export interface SetupSummary {
  readonly database: string;
  readonly jobs: string;
  readonly embedder: string;
  readonly chatModel: string;
  /** OpenAI-compatible base URL answers and embeddings go to, when any model server is used. */
  readonly modelServer: string | null;
  readonly slack: PlatformSetup;
  readonly teams: PlatformSetup;
}

export function summarizeSetup(config: Config): SetupSummary {
  const usesModelServer = Boolean(config.CHAT_MODEL) || config.EMBEDDING_MODEL !== 'local';
  const modelServer = usesModelServer ? modelServerUrl(config) : null;
  return {
    database: config.DATABASE_URL
      ? `PostgreSQL ${hostOf(config.DATABASE_URL)}`
      : `embedded PGlite in ${config.DATA_DIR}`,
    jobs: config.REDIS_URL
      ? `BullMQ on Redis ${hostOf(config.REDIS_URL)} (run npm run worker)`
      : 'in this process',
    embedder:
      config.EMBEDDING_MODEL === 'local'
        ? 'local (built in, no network)'
        : `${config.EMBEDDING_MODEL} at ${modelServer}`,
    chatModel: config.CHAT_MODEL
      ? `${config.CHAT_MODEL}${config.CHAT_FALLBACK_MODEL ? ` (fallback ${config.CHAT_FALLBACK_MODEL})` : ''} at ${modelServer}`
      : 'none: extractive answers (set CHAT_MODEL for a chat model)',
    modelServer,
    ...chatPlatformSetup(config),
  };
}

/** Where @langchain/openai sends requests when OPENAI_BASE_URL is unset. */
export function modelServerUrl(config: Pick<Config, 'OPENAI_BASE_URL'>): string {
  const url = new URL(config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1');
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/$/, '');
}

/** host[:port][/database], without user or password. */
function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    const database = parsed.pathname.replace(/^\//, '');
    return `${parsed.host}${database ? `/${database}` : ''}`;
  } catch {
    return '(unparsable URL)';
  }
}

export function formatBanner(
  url: string,
  summary: SetupSummary,
  extra: { version: string; console: string },
): string {
  const rows: [string, string][] = [
    ['version', extra.version],
    ['console', extra.console],
    ['database', summary.database],
    ['jobs', summary.jobs],
    ['embedder', summary.embedder],
    ['chat model', summary.chatModel],
    ['Slack', summary.slack.detail],
    ['Teams', summary.teams.detail],
  ];
  const lines = rows.map(([label, value]) => `  ${label.padEnd(11)}${value}`);
  return `ex-GPT is ready on ${url}  (health: ${url}/readyz)\n${lines.join('\n')}\n`;
}
