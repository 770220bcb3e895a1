export { createFolderConnector, type FolderConfig, folderConfigSchema } from './folder-connector.ts';
