/**
 * Google service-account sign-in: a JWT signed RS256 with the account's private key, exchanged at the token
 * endpoint for a one-hour access token (https://developers.google.com/identity/protocols/oauth2/service-account).
 * The token is kept until a minute before it expires, or until Drive says it is no longer good.
 */
import { createSign } from 'node:crypto';
import { AppError } from '#core';
import { type HttpClient, readCapped } from '../http-client.ts';

export const DRIVE_SCOPE = 'https://www.googleapis.com/auth/drive.readonly';
const TOKEN_URI = 'https://oauth2.googleapis.com/token';

export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId: string | null;
  readonly tokenUri: string;
}

/** The JSON key file Google gives for a service account, checked; a clear error says what is wrong. */
export function parseServiceAccountKey(secret: string | null): ServiceAccountKey {
  if (!secret) {
    throw new AppError(
      'invalid_input',
      "This Google Drive source has no key: paste the service account's JSON key.",
    );
  }
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(secret) as Record<string, unknown>;
  } catch {
    throw new AppError(
      'invalid_input',
      "The Google Drive key is not JSON: paste the service account's whole JSON key file.",
    );
  }
  const clientEmail = typeof key.client_email === 'string' ? key.client_email : '';
  const privateKey = typeof key.private_key === 'string' ? key.private_key : '';
  if (!clientEmail || !privateKey.includes('PRIVATE KEY')) {
    throw new AppError(
      'invalid_input',
      'The Google Drive key has no client_email or private_key: use a service account key (type "service_account").',
    );
  }
  return {
    clientEmail,
    privateKey,
    privateKeyId: typeof key.private_key_id === 'string' ? key.private_key_id : null,
    tokenUri:
      typeof key.token_uri === 'string' && /^https?:\/\//.test(key.token_uri) ? key.token_uri : TOKEN_URI,
  };
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

export function signServiceAccountJwt(
  key: ServiceAccountKey,
  options: { scope: string; subject?: string | undefined; now?: number },
): string {
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(key.privateKeyId ? { kid: key.privateKeyId } : {}) };
  const claims = {
    iss: key.clientEmail,
    scope: options.scope,
    aud: key.tokenUri,
    iat,
    exp: iat + 3600,
    ...(options.subject ? { sub: options.subject } : {}),
  };
  const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  let signature: Buffer;
  try {
    signature = createSign('RSA-SHA256').update(unsigned).sign(key.privateKey);
  } catch {
    throw new AppError(
      'invalid_input',
      "The Google Drive key's private_key could not be read: paste the key file unchanged.",
    );
  }
  return `${unsigned}.${base64url(signature)}`;
}

export interface TokenSource {
  token(signal: AbortSignal): Promise<string>;
  /** Drive answered 401: the next call signs in again. */
  invalidate(): void;
}

export function createTokenSource(
  key: ServiceAccountKey,
  http: HttpClient,
  options: { subject?: string | undefined },
): TokenSource {
  let current: { value: string; until: number } | null = null;
  return {
    invalidate() {
      current = null;
    },
    async token(signal) {
      if (current && current.until > Date.now()) return current.value;
      const assertion = signServiceAccountJwt(key, { scope: DRIVE_SCOPE, subject: options.subject });
      const response = await http.request(key.tokenUri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion,
        }).toString(),
        signal,
      });
      const { bytes } = await readCapped(response, 64 * 1024);
      const text = new TextDecoder().decode(bytes);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new AppError(
          'upstream_unavailable',
          `Google's token endpoint answered HTTP ${response.status} with a body that is not JSON.`,
          {
            expose: true,
          },
        );
      }
      if (!response.ok || typeof body.access_token !== 'string') {
        // Google's errors: {"error":"invalid_grant","error_description":"Invalid JWT Signature."}
        const reason = [body.error, body.error_description]
          .filter((part) => typeof part === 'string')
          .join(': ');
        throw new AppError(
          'invalid_input',
          `Google refused the service account's sign-in (HTTP ${response.status}${reason ? `, ${reason}` : ''}): check the key and, with a user to act as, its domain-wide delegation.`,
        );
      }
      const seconds = typeof body.expires_in === 'number' ? body.expires_in : 3600;
      current = { value: body.access_token, until: Date.now() + Math.max(0, seconds - 60) * 1000 };
      return current.value;
    },
  };
}
