export {
  createTeamsAdapter,
  TEAMS_MESSAGES_PATH,
  type TeamsAdapter,
  type TeamsAdapterOptions,
  type TeamsConfig,
  type TeamsCredentialsFactory,
} from './teams-app.ts';
export { createBotAdapter, TeamsCloudAdapter } from './teams-bot-adapter.ts';
export { createTeamsConnector, type TeamsConnector, type TeamsReference } from './teams-connector.ts';
export { createTeamsPlatform, type TeamsPlatformOptions } from './teams-platform.ts';
export { feedbackOf } from './teams-turns.ts';
