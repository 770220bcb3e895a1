export { createFolderConnector, type FolderConfig, folderConfigSchema } from './folder-connector.ts';
export { type FolderWatching, type FolderWatchOptions, startFolderWatching } from './folder-watcher.ts';
