/**
 * The connector adapters, one folder per kind, and what the admin API needs to know of them: the kinds,
 * how to check a kind's settings, and the factory the sync job builds connectors with.
 */
import { AppError, type ConnectorFactory } from '#core';
import { confluenceConfigSchema, createConfluenceConnector } from './confluence/index.ts';
import { createFolderConnector, folderConfigSchema } from './folder/index.ts';
import { createGoogleDriveConnector, googleDriveConfigSchema } from './google-drive/index.ts';
import type { HttpClientOptions } from './http-client.ts';
import { createWebsiteConnector, websiteConfigSchema } from './website/index.ts';

export const SOURCE_KINDS = ['folder', 'website', 'confluence', 'google-drive'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

const schemas = {
  folder: folderConfigSchema,
  website: websiteConfigSchema,
  confluence: confluenceConfigSchema,
  'google-drive': googleDriveConfigSchema,
} as const;

export function isSourceKind(kind: string): kind is SourceKind {
  return (SOURCE_KINDS as readonly string[]).includes(kind);
}

/** A kind's settings, checked and normalised; a clear error names the field that is wrong. */
export function parseSourceConfig(kind: string, raw: unknown): Record<string, unknown> {
  if (!isSourceKind(kind)) {
    throw new AppError(
      'invalid_input',
      `Unknown source kind "${kind}": use one of ${SOURCE_KINDS.join(', ')}.`,
    );
  }
  const parsed = schemas[kind].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError(
      'invalid_input',
      `${issue?.path.join('.') || 'config'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data as Record<string, unknown>;
}

export interface ConnectorLimits {
  readonly maxBytes: number;
  readonly maxPages: number;
  readonly http?: HttpClientOptions;
}

export function createConnectorFactory(limits: ConnectorLimits): ConnectorFactory {
  return (source) => {
    const config = parseSourceConfig(source.kind, source.config);
    switch (source.kind as SourceKind) {
      case 'folder':
        return createFolderConnector(folderConfigSchema.parse(config), { maxBytes: limits.maxBytes });
      case 'website':
        return createWebsiteConnector(websiteConfigSchema.parse(config), limits);
      case 'confluence':
        return createConfluenceConnector(confluenceConfigSchema.parse(config), source.secret, limits);
      case 'google-drive':
        return createGoogleDriveConnector(googleDriveConfigSchema.parse(config), source.secret, limits);
      default:
        throw new AppError('invalid_input', `Unknown source kind "${source.kind}".`);
    }
  };
}

export { scheduleSource, scheduleSources, startSources } from './source-schedule.ts';
export {
  createSyncSourceHandler,
  type SyncSourceDeps,
  sourceKeyOf,
  syncSourceJobId,
} from './sync-source.job.ts';
