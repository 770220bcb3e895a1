/**
 * Whether Slack and Teams are switched on by this install's variables, and if not, which variable is missing.
 * One reading for the start-up banner, the System status page and the channel-binding form, so they never
 * disagree about whether binding a channel can have any effect.
 */
import type { Config } from './config.ts';

export interface PlatformSetup {
  readonly enabled: boolean;
  /** How it connects when enabled, or why it is off. */
  readonly detail: string;
  /** When off: the variable to set to turn it on (the console words the sentence in the admin's language). */
  readonly missing: string | null;
}

type PlatformConfig = Pick<
  Config,
  'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN' | 'SLACK_SIGNING_SECRET' | 'MICROSOFT_APP_ID' | 'TEAMS_DEV_MODE'
>;

export function chatPlatformSetup(config: PlatformConfig): { slack: PlatformSetup; teams: PlatformSetup } {
  return { slack: slackSetup(config), teams: teamsSetup(config) };
}

function slackSetup(config: PlatformConfig): PlatformSetup {
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

function teamsSetup(config: PlatformConfig): PlatformSetup {
  if (config.MICROSOFT_APP_ID) {
    return { enabled: true, detail: 'Bot Framework at POST /api/messages', missing: null };
  }
  if (config.TEAMS_DEV_MODE) {
    return { enabled: true, detail: 'development mode: unauthenticated activities', missing: null };
  }
  return { enabled: false, detail: 'off: MICROSOFT_APP_ID is not set', missing: 'MICROSOFT_APP_ID' };
}
