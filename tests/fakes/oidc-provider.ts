/**
 * A local OpenID Connect provider on 127.0.0.1 and a random port, speaking the real wire format:
 * the discovery document, a JWKS with a locally generated RS256 key, an authorization endpoint that
 * signs in the scripted user at once and redirects back with a code, and a token endpoint that checks
 * the client secret (HTTP Basic), the redirect URI and the PKCE verifier (S256) before issuing a signed
 * ID token. Unknown paths answer 404 and are recorded so that a test can fail on them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface FakeOidcUser {
  readonly sub: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
  readonly groups?: readonly string[];
}

export interface FakeOidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Who the authorization endpoint signs in next. */
  nextUser: FakeOidcUser;
  readonly unexpected: string[];
  readonly tokenRequests: URLSearchParams[];
  close(): Promise<void>;
}

export async function startFakeOidcProvider(): Promise<FakeOidcProvider> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'fake-key-1', alg: 'RS256', use: 'sig' };
  const codes = new Map<
    string,
    { user: FakeOidcUser; challenge: string; nonce: string; redirectUri: string; clientId: string }
  >();
  const unexpected: string[] = [];
  const tokenRequests: URLSearchParams[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider: FakeOidcProvider = {
    issuer,
    clientId: 'ex-gpt-console',
    clientSecret: 'fake-client-secret',
    nextUser: {
      sub: 'user-1',
      email: 'sso.user@example.com',
      email_verified: true,
      name: 'Sso User',
      groups: [],
    },
    unexpected,
    tokenRequests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  function json(res: ServerResponse, status: number, body: unknown) {
    res
      .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', issuer);
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        scopes_supported: ['openid', 'email', 'profile'],
        claims_supported: ['sub', 'email', 'email_verified', 'name', 'groups'],
      });
    }
    if (req.method === 'GET' && url.pathname === '/jwks') return json(res, 200, { keys: [jwk] });
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const p = url.searchParams;
      if (
        p.get('response_type') !== 'code' ||
        p.get('code_challenge_method') !== 'S256' ||
        !p.get('code_challenge')
      ) {
        return json(res, 400, {
          error: 'invalid_request',
          error_description: 'code flow with S256 PKCE required',
        });
      }
      if (p.get('client_id') !== provider.clientId) return json(res, 400, { error: 'unauthorized_client' });
      const code = randomBytes(16).toString('base64url');
      codes.set(code, {
        user: provider.nextUser,
        challenge: p.get('code_challenge')!,
        nonce: p.get('nonce') ?? '',
        redirectUri: p.get('redirect_uri')!,
        clientId: p.get('client_id')!,
      });
      const back = new URL(p.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.get('state') ?? '');
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      tokenRequests.push(form);
      // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding; decode as a real server does.
      const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString('utf8')
        .split(':')
        .map((part) => decodeURIComponent(part.replaceAll('+', ' ')));
      if (id !== provider.clientId || secret !== provider.clientSecret)
        return json(res, 401, { error: 'invalid_client' });
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (
        !grant ||
        form.get('grant_type') !== 'authorization_code' ||
        form.get('redirect_uri') !== grant.redirectUri
      ) {
        return json(res, 400, { error: 'invalid_grant' });
      }
      const challenge = createHash('sha256')
        .update(form.get('code_verifier') ?? '')
        .digest('base64url');
      if (challenge !== grant.challenge)
        return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      const { sub, ...claims } = grant.user;
      const idToken = await new SignJWT({ ...claims, nonce: grant.nonce })
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
        .setIssuer(issuer)
        .setAudience(grant.clientId)
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      return json(res, 200, {
        access_token: randomBytes(16).toString('base64url'),
        token_type: 'Bearer',
        expires_in: 300,
        id_token: idToken,
      });
    }
    unexpected.push(`${req.method} ${url.pathname}`);
    return json(res, 404, { error: 'not_found' });
  }

  return provider;
}
