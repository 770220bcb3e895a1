/** The cookies and headers of console sign-in. The access token itself is never a cookie. */

/** The refresh token: httpOnly, SameSite=Strict, sent only to /auth (refresh and logout). */
export const REFRESH_COOKIE = 'exgpt_refresh';
export const REFRESH_COOKIE_PATH = '/auth';
/** The signed OIDC state (PKCE verifier, state, nonce) between /auth/oidc/start and the callback. */
export const OIDC_STATE_COOKIE = 'exgpt_oidc';
export const OIDC_STATE_COOKIE_PATH = '/auth/oidc';
/**
 * Cookie-authenticated requests (refresh, logout) and simple GraphQL requests must carry this header:
 * a cross-site page cannot set it without a CORS preflight, which this server never grants.
 */
export const CSRF_HEADER = 'x-exgpt-csrf';

export interface CookieOptions {
  readonly path: string;
  readonly maxAgeSeconds: number;
  readonly sameSite: 'Strict' | 'Lax';
  readonly secure: boolean;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    'HttpOnly',
    `SameSite=${options.sameSite}`,
  ];
  if (options.maxAgeSeconds <= 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

export function readCookie(header: string | null | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return null;
    }
  }
  return null;
}

export function refreshCookie(token: string, expiresAt: Date, secure: boolean): string {
  return serializeCookie(REFRESH_COOKIE, token, {
    path: REFRESH_COOKIE_PATH,
    maxAgeSeconds: (expiresAt.getTime() - Date.now()) / 1000,
    sameSite: 'Strict',
    secure,
  });
}

export function clearedRefreshCookie(secure: boolean): string {
  return serializeCookie(REFRESH_COOKIE, '', {
    path: REFRESH_COOKIE_PATH,
    maxAgeSeconds: 0,
    sameSite: 'Strict',
    secure,
  });
}
