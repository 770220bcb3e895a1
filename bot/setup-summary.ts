/**
 * How this install is configured, in words an operator recognises: printed once as the start-up banner
 * and served (with live checks) by the admin API's systemStatus. Never carries a secret: connection
 * strings are reduced to their host and database.
 */
import type { Config } from '#core';

export interface PlatformSetup {
  readonly enabled: boolean;
  /** How it connects when enabled, or why it is off. */
  readonly detail: string;
  /** When off: the variable to set to turn it on (the console words the sentence in the admin's language). */
  readonly missing: string | null;
}

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
    slack: slackSetup(config),
    teams: teamsSetup(config),
  };
}

/** Where @langchain/openai sends requests when OPENAI_BASE_URL is unset. */
export function modelServerUrl(config: Pick<Config, 'OPENAI_BASE_URL'>): string {
  const url = new URL(config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1');
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/$/, '');
}

function slackSetup(config: Config): PlatformSetup {
  if (!config.SLACK_BOT_TOKEN) {
    return { enabled: false, detail: 'off: SLACK_BOT_TOKEN is not set', missing: 'SLACK_BOT_TOKEN' };
  }
  if (config.SLACK_APP_TOKEN) {
    return { enabled: true, detail: 'Socket Mode (SLACK_APP_TOKEN)', missing: null };
  }
  if (!config.SLACK_SIGNING_SECRET) {
    return {
      enabled: false,
      detail: 'off: SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET',
      missing: 'SLACK_SIGNING_SECRET',
    };
  }
  return { enabled: true, detail: 'Events API at POST /slack/events', missing: null };
}

function teamsSetup(config: Config): PlatformSetup {
  if (config.MICROSOFT_APP_ID) {
    return { enabled: true, detail: 'Bot Framework at POST /api/messages', missing: null };
  }
  if (config.TEAMS_DEV_MODE) {
    return { enabled: true, detail: 'development mode: unauthenticated activities', missing: null };
  }
  return { enabled: false, detail: 'off: MICROSOFT_APP_ID is not set', missing: 'MICROSOFT_APP_ID' };
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
