export * from './config.ts';
export type * from './domain.ts';
export { API_KEY_SCOPES, DOCUMENT_STATUSES, PLATFORMS, ROLES } from './domain.ts';
export * from './errors.ts';
export type * from './ports.ts';
