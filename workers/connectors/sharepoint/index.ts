export type { GraphEndpoints } from './graph-client.ts';
export {
  createSharepointConnector,
  type SharepointConfig,
  sharepointConfigSchema,
} from './sharepoint-connector.ts';
