export { type AccessRule, listAccessRules } from './access-rules.ts';
export { type AccessTokens, createAccessTokens, looksLikeJwt } from './access-tokens.ts';
export {
  type AdminApi,
  type AdminApiDeps,
  createAdminApi,
  type RefreshResult,
  type SessionGrant,
} from './admin-api.ts';
export type { AdminContext, AdminServices } from './context.ts';
export { CSRF_HEADER, OIDC_STATE_COOKIE, REFRESH_COOKIE, REFRESH_COOKIE_PATH } from './cookies.ts';
export { inCallerLanguage } from './errors.ts';
export { assertMayExport, type ExportKind, type ExportStream, startExport } from './exports.ts';
export { JWT_SECRET_FILE, resolveJwtSecret } from './jwt-secret.ts';
export { type PasswordReset, resetPasswordByEmail } from './password-reset.ts';
export { buildAdminSchema, printAdminSchema } from './schema/index.ts';
export type { SystemStatus } from './schema/system.ts';
export { type AdminServerContext, type AdminYoga, GRAPHQL_LIMITS } from './yoga-server.ts';
