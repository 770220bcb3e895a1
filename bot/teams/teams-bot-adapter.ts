/**
 * botbuilder's CloudAdapter and its Bot Framework authentication, built from the config: the app id,
 * password, tenant and app type for outbound tokens, and the public cloud's endpoints with the OpenID
 * metadata URL from MICROSOFT_OPENID_METADATA_URL for checking incoming tokens.
 */
import {
  type Activity,
  CallerIdConstants,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import {
  type AuthenticateRequestResult,
  AuthenticationConstants,
  type ServiceClientCredentialsFactory,
} from 'botframework-connector';
import type { Config, Logger } from '#core';
import { keepEntityProperties } from './teams-wire.ts';

export type TeamsConfig = Pick<
  Config,
  | 'NODE_ENV'
  | 'MICROSOFT_APP_ID'
  | 'MICROSOFT_APP_PASSWORD'
  | 'MICROSOFT_APP_TENANT_ID'
  | 'MICROSOFT_APP_TYPE'
  | 'MICROSOFT_OPENID_METADATA_URL'
  | 'TEAMS_DEV_MODE'
  | 'TEAMS_STREAM_INTERVAL_MS'
>;

/** botbuilder's source of outbound tokens; tests hand in one that needs no Entra ID. */
export type TeamsCredentialsFactory = ServiceClientCredentialsFactory;

/**
 * CloudAdapter with the authentication done by the endpoint (so that a refused token is a 401 and the
 * request reaches nothing) and the invoke response handed back instead of written to a Node response.
 */
export class TeamsCloudAdapter extends CloudAdapter {
  handleActivity(
    authenticated: AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(authenticated, activity, logic);
  }
}

export function createBotAdapter(
  config: TeamsConfig,
  credentialsFactory: TeamsCredentialsFactory | undefined,
  log: Logger,
): { auth: ConfigurationBotFrameworkAuthentication; adapter: TeamsCloudAdapter } {
  keepEntityProperties();
  const appId = config.MICROSOFT_APP_ID ?? '';
  const settings = {
    MicrosoftAppId: appId,
    MicrosoftAppPassword: config.MICROSOFT_APP_PASSWORD ?? '',
    MicrosoftAppType: appId ? appTypeOf(config.MICROSOFT_APP_TYPE) : 'MultiTenant',
    MicrosoftAppTenantId: config.MICROSOFT_APP_TENANT_ID ?? '',
    // Naming one endpoint makes botbuilder expect them all: the public cloud's, with our metadata URL.
    ToBotFromChannelOpenIdMetadataUrl: config.MICROSOFT_OPENID_METADATA_URL,
    ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
    ValidateAuthority: true,
  };
  const credentials = credentialsFactory ?? new ConfigurationServiceClientCredentialFactory(settings);
  const auth = new ConfigurationBotFrameworkAuthentication(settings, credentials);
  const adapter = new TeamsCloudAdapter(auth);
  adapter.onTurnError = async (_context, error) => {
    log.error({ err: error }, 'teams turn failed');
  };
  return { auth, adapter };
}

function appTypeOf(type: TeamsConfig['MICROSOFT_APP_TYPE']): string {
  return type === 'UserAssignedMSI' ? 'UserAssignedMsi' : type;
}
