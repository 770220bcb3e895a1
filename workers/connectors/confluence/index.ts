export { type ConfluenceConfig, confluenceConfigSchema } from './confluence-config.ts';
export { createConfluenceConnector, effectiveReaders } from './confluence-connector.ts';
export { storageToHtml } from './storage-format.ts';
