import type { FastifyRequest } from 'fastify';
import { type ApiKeyScope, AppError, looksLikeApiKey, type Principal } from '#core';

/** Where a credential is used: API-key uses are audited with it. */
export interface CredentialUse {
  readonly ip: string | null;
  readonly route: string;
}

export type Authenticator = (credential: string, use?: CredentialUse) => Promise<Principal | null>;

/**
 * One bearer header, two kinds of credential: API keys (`exg_…`, scoped) and the console's access
 * tokens (JWTs from sign-in, no scopes: the user's role alone decides).
 */
export function combineAuthenticators(byApiKey: Authenticator, byAccessToken: Authenticator): Authenticator {
  return (credential, use) =>
    looksLikeApiKey(credential) ? byApiKey(credential, use) : byAccessToken(credential, use);
}

/** Reads `Authorization: Bearer <key or access token>` or `X-API-Key`. */
export function credentialOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7).trim() || null;
  const key = request.headers['x-api-key'];
  return typeof key === 'string' && key.trim() ? key.trim() : null;
}

/** The caller, who must hold `scope` when authenticated by an API key. */
export async function requirePrincipal(
  request: FastifyRequest,
  authenticate: Authenticator,
  scope: ApiKeyScope,
): Promise<Principal> {
  const credential = credentialOf(request);
  if (!credential) {
    throw new AppError(
      'unauthenticated',
      'Missing credentials: send an API key or an access token as "Authorization: Bearer <credential>".',
      { localized: { key: 'errors.missingCredentials' } },
    );
  }
  const principal = await authenticate(credential, {
    ip: request.ip,
    route: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
  });
  if (!principal)
    throw new AppError('unauthenticated', 'Invalid, revoked or expired credentials.', {
      localized: { key: 'errors.badCredentials' },
    });
  if (principal.scopes && !principal.scopes.includes(scope)) {
    throw new AppError('forbidden', `This API key lacks the "${scope}" scope.`, {
      localized: { key: 'errors.missingScope', values: { scope } },
    });
  }
  return principal;
}
