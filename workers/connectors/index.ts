/**
 * The connector adapters, one folder per kind, and what the admin API needs to know of them: the kinds,
 * how to check a kind's settings, and the factory the sync job builds connectors with.
 */
import { AppError, type ConnectorFactory } from '#core';
import { confluenceConfigSchema, createConfluenceConnector } from './confluence/index.ts';
import { createFolderConnector, folderConfigSchema } from './folder/index.ts';
import { createGoogleDriveConnector, googleDriveConfigSchema } from './google-drive/index.ts';
import type { HttpClientOptions } from './http-client.ts';
import {
  createSharepointConnector,
  type GraphEndpoints,
  sharepointConfigSchema,
} from './sharepoint/index.ts';
import { createWebsiteConnector, websiteConfigSchema } from './website/index.ts';

export const SOURCE_KINDS = ['folder', 'website', 'sharepoint', 'confluence', 'google-drive'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

const schemas = {
  folder: folderConfigSchema,
  website: websiteConfigSchema,
  sharepoint: sharepointConfigSchema,
  confluence: confluenceConfigSchema,
  'google-drive': googleDriveConfigSchema,
} as const;

/** Microsoft's public cloud; MICROSOFT_GRAPH_URL / MICROSOFT_LOGIN_URL point elsewhere (a national cloud, a test fake). */
export const DEFAULT_GRAPH_ENDPOINTS: GraphEndpoints = {
  apiUrl: 'https://graph.microsoft.com/v1.0',
  loginUrl: 'https://login.microsoftonline.com',
};

export function isSourceKind(kind: string): kind is SourceKind {
  return (SOURCE_KINDS as readonly string[]).includes(kind);
}

/** Kinds that cannot run without a secret (a client secret, a token), with what to tell the admin. */
const SECRET_REQUIRED: Partial<Record<SourceKind, string>> = {
  sharepoint: 'A SharePoint source needs its client secret: enter it as the secret.',
};

/** Refuses a new source of a kind that needs a secret when none is given. */
export function assertSecretGiven(kind: string, secret: string | null | undefined): void {
  const missing = isSourceKind(kind) ? SECRET_REQUIRED[kind] : undefined;
  if (missing && !secret) {
    throw new AppError('invalid_input', missing, { details: { fields: { secret: 'is required' } } });
  }
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
  readonly graph?: GraphEndpoints;
}

export function createConnectorFactory(limits: ConnectorLimits): ConnectorFactory {
  return (source) => {
    const config = parseSourceConfig(source.kind, source.config);
    switch (source.kind as SourceKind) {
      case 'folder':
        return createFolderConnector(folderConfigSchema.parse(config), { maxBytes: limits.maxBytes });
      case 'website':
        return createWebsiteConnector(websiteConfigSchema.parse(config), limits);
      case 'sharepoint':
        return createSharepointConnector(sharepointConfigSchema.parse(config), source.secret, {
          maxBytes: limits.maxBytes,
          graph: limits.graph ?? DEFAULT_GRAPH_ENDPOINTS,
          ...(limits.http ? { http: limits.http } : {}),
        });
      case 'confluence':
        return createConfluenceConnector(confluenceConfigSchema.parse(config), source.secret, limits);
      case 'google-drive':
        return createGoogleDriveConnector(googleDriveConfigSchema.parse(config), source.secret, limits);
      default:
        throw new AppError('invalid_input', `Unknown source kind "${source.kind}".`);
    }
  };
}

export { type FolderWatching, startFolderWatching } from './folder/index.ts';
export { scheduleSource, scheduleSources, startSources } from './source-schedule.ts';
export {
  createSyncSourceHandler,
  type SyncSourceDeps,
  sourceKeyOf,
  syncSourceJobId,
} from './sync-source.job.ts';
