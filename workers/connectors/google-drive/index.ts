export { createDriveApi, type DriveApi, type DriveFile } from './drive-api.ts';
export { type GoogleDriveConfig, googleDriveConfigSchema } from './google-drive-config.ts';
export { createGoogleDriveConnector } from './google-drive-connector.ts';
export { parseServiceAccountKey, signServiceAccountJwt } from './service-account-token.ts';
