/**
 * Microsoft Graph with app-only credentials: a client-credentials token from the Microsoft identity platform,
 * cached until shortly before it expires and fetched again when Graph answers 401. The bearer token is only
 * ever sent to the configured Graph origin: a nextLink or deltaLink pointing elsewhere is refused.
 */
import { AppError } from '#core';
import type { HttpClient } from '../http-client.ts';
import { graphErrorReason, tokenErrorReason } from './graph-mapping.ts';

export interface GraphEndpoints {
  /** e.g. https://graph.microsoft.com/v1.0 (MICROSOFT_GRAPH_URL). */
  readonly apiUrl: string;
  /** e.g. https://login.microsoftonline.com (MICROSOFT_LOGIN_URL). */
  readonly loginUrl: string;
}

export interface GraphCredentials {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface GraphClient {
  /** An absolute URL on the Graph origin, or a path below apiUrl ("/drives/x"). */
  url(pathOrUrl: string): string;
  /** GET with the bearer token; the response as it came (after retries), its body unread. */
  get(
    pathOrUrl: string,
    signal: AbortSignal,
    init?: { redirect?: 'manual'; headers?: Record<string, string> },
  ): Promise<Response>;
  /** GET, JSON body; a non-2xx answer is thrown with Graph's own code and message. */
  getJson<T>(pathOrUrl: string, signal: AbortSignal, headers?: Record<string, string>): Promise<T>;
}

/** Refresh this long before the token's stated expiry, so a request never leaves with a dying token. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export class GraphError extends AppError {
  readonly httpStatus: number;
  readonly body: unknown;
  constructor(status: number, body: unknown, what: string) {
    const denied = status === 401 || status === 403;
    super(
      denied ? 'forbidden' : status === 404 || status === 410 ? 'not_found' : 'upstream_unavailable',
      `Microsoft Graph answered ${graphErrorReason(status, body)} for ${what}.${
        denied
          ? ' The app needs the Sites.Read.All or Files.Read.All application permission, with admin consent.'
          : ''
      }`,
      { expose: true },
    );
    this.httpStatus = status;
    this.body = body;
  }
}

export function createGraphClient(
  endpoints: GraphEndpoints,
  credentials: GraphCredentials,
  http: HttpClient,
  now: () => number = Date.now,
): GraphClient {
  const api = new URL(endpoints.apiUrl.replace(/\/+$/, ''));
  let cached: { token: string; expiresAt: number } | null = null;
  let pending: Promise<string> | null = null;

  async function requestToken(signal: AbortSignal): Promise<string> {
    const tokenUrl = `${endpoints.loginUrl.replace(/\/+$/, '')}/${encodeURIComponent(credentials.tenantId)}/oauth2/v2.0/token`;
    const response = await http.request(tokenUrl, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
        scope: `${api.origin}/.default`,
        grant_type: 'client_credentials',
      }).toString(),
    });
    const body: unknown = await response.json().catch(() => null);
    const token = (body ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (!response.ok || typeof token.access_token !== 'string') {
      throw new AppError(
        'invalid_input',
        `Microsoft sign-in refused the app's credentials (${tokenErrorReason(body)}). Check the tenant id, client id and client secret, and that the app has the Sites.Read.All or Files.Read.All application permission with admin consent.`,
        {
          expose: true,
          localized: { key: 'sources.failure.microsoftRefused', values: { detail: tokenErrorReason(body) } },
        },
      );
    }
    const lifetimeMs = (typeof token.expires_in === 'number' ? token.expires_in : 3599) * 1000;
    cached = { token: token.access_token, expiresAt: now() + Math.max(0, lifetimeMs - EXPIRY_MARGIN_MS) };
    return token.access_token;
  }

  async function tokenFor(signal: AbortSignal): Promise<string> {
    if (cached && now() < cached.expiresAt) return cached.token;
    // Batches share one token request instead of racing for several.
    pending ??= requestToken(signal).finally(() => {
      pending = null;
    });
    return pending;
  }

  function url(pathOrUrl: string): string {
    const target = /^https?:\/\//i.test(pathOrUrl) ? new URL(pathOrUrl) : new URL(`${api.href}${pathOrUrl}`);
    if (target.origin !== api.origin) {
      // Not retried: the same page would send the same link.
      throw new AppError(
        'forbidden',
        `Microsoft Graph sent a link to another host (${target.origin}); it was not followed, so the app's token stays with ${api.origin}.`,
        { expose: true },
      );
    }
    return target.href;
  }

  async function get(
    pathOrUrl: string,
    signal: AbortSignal,
    init: { redirect?: 'manual'; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const target = url(pathOrUrl);
    for (let attempt = 1; ; attempt++) {
      const token = await tokenFor(signal);
      const response = await http.request(target, {
        signal,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...init.headers },
        ...(init.redirect ? { redirect: init.redirect } : {}),
      });
      // An expired or revoked token: fetch a new one once, then let the caller see the 401.
      if (response.status !== 401 || attempt > 1) return response;
      await response.body?.cancel();
      cached = null;
    }
  }

  return {
    url,
    get,
    async getJson<T>(pathOrUrl: string, signal: AbortSignal, headers?: Record<string, string>): Promise<T> {
      const response = await get(pathOrUrl, signal, headers ? { headers } : {});
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) throw new GraphError(response.status, body, new URL(url(pathOrUrl)).pathname);
      return body as T;
    },
  };
}
