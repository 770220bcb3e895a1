export type { GraphEndpoints } from './graph-client.ts';
export { type SharepointConfig, sharepointConfigSchema } from './sharepoint-config.ts';
export { createSharepointConnector } from './sharepoint-connector.ts';
