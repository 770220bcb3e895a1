/**
 * A local stand-in for the Bot Framework on 127.0.0.1: the connector a Teams bot sends to (the
 * activity's serviceUrl: `POST /v3/conversations/{id}/activities[/{replyToId}]`,
 * `GET /v3/conversations/{id}/members/{memberId}`) and the channel's token issuer (OpenID metadata and
 * signing keys, and `token()` to sign requests as Teams would). It records every reply, checks the
 * outbound token and the streaming protocol (violations), and lists any other request as unexpected.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

export interface FakeTeamsMember {
  readonly id: string;
  readonly aadObjectId?: string;
  readonly name?: string;
  readonly email?: string;
  readonly userPrincipalName?: string;
}

export interface SentActivity {
  readonly conversationId: string;
  readonly replyToId: string | null;
  readonly activity: Record<string, unknown>;
  /** The id the fake answered with. */
  readonly id: string;
  readonly receivedAt: number;
}

export interface ConnectorRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
}

export interface FakeBotConnector {
  /** The service URL to put in activities (ends with `/`). */
  readonly url: string;
  readonly openIdMetadataUrl: string;
  readonly sent: SentActivity[];
  readonly lookups: ConnectorRequest[];
  readonly unexpected: ConnectorRequest[];
  /** Broken rules: a wrong outbound token, a stream update out of order, an update after the final message. */
  readonly violations: string[];
  /** A Bot Framework token for `appId` as Teams would send it; `claims` override or add (`undefined` removes). */
  token(
    appId: string,
    claims?: Record<string, unknown>,
    options?: { expiresInSeconds?: number },
  ): Promise<string>;
  /** A token signed with a key the issuer does not publish. */
  foreignToken(appId: string): Promise<string>;
  /** The messages (not typing updates) sent, in order. */
  messages(): SentActivity[];
  waitFor(predicate: (sent: readonly SentActivity[]) => boolean, timeoutMs?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeBotConnectorOptions {
  readonly members?: readonly FakeTeamsMember[];
  /** The bearer token outbound requests must carry; null when the bot runs without credentials. */
  readonly outboundToken: string | null;
}

interface StreamState {
  sequence: number;
  ended: boolean;
}

export async function startFakeBotConnector(options: FakeBotConnectorOptions): Promise<FakeBotConnector> {
  const kid = `fake-${randomUUID().slice(0, 8)}`;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  const sent: SentActivity[] = [];
  const lookups: ConnectorRequest[] = [];
  const unexpected: ConnectorRequest[] = [];
  const violations: string[] = [];
  const streams = new Map<string, StreamState>();
  const waiters = new Set<() => void>();
  let nextId = 1_700_000_000_000;
  let base = '';

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  function checkStream(activity: Record<string, unknown>, id: string): string {
    const entities = Array.isArray(activity.entities) ? (activity.entities as Record<string, unknown>[]) : [];
    const info = entities.find((e) => e.type === 'streaminfo');
    if (!info) return id;
    const streamId = typeof info.streamId === 'string' ? info.streamId : null;
    if (info.streamType === 'informative' && streamId === null) {
      if (activity.type !== 'typing') violations.push('an informative update must be a typing activity');
      streams.set(id, { sequence: Number(info.streamSequence), ended: false });
      if (info.streamSequence !== 1)
        violations.push(`a stream must start at streamSequence 1, not ${String(info.streamSequence)}`);
      return id;
    }
    const stream = streamId ? streams.get(streamId) : undefined;
    if (!stream || !streamId) {
      violations.push(`an update for an unknown stream ${String(streamId)}`);
      return id;
    }
    if (stream.ended) violations.push(`an update after the final message of stream ${streamId}`);
    if (info.streamType === 'final') {
      if (activity.type !== 'message') violations.push('a final stream update must be a message');
      stream.ended = true;
      return streamId;
    }
    if (activity.type !== 'typing') violations.push('a streaming update must be a typing activity');
    const sequence = Number(info.streamSequence);
    if (!(sequence > stream.sequence)) violations.push(`streamSequence ${sequence} after ${stream.sequence}`);
    stream.sequence = sequence;
    return streamId;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const request = { method, path: url.pathname, authorization: req.headers.authorization };
    if (method === 'GET' && url.pathname === '/openid') {
      return json(res, 200, {
        issuer: BOT_FRAMEWORK_ISSUER,
        authorization_endpoint: `${base}authorize`,
        jwks_uri: `${base}keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    }
    if (method === 'GET' && url.pathname === '/keys') {
      return json(res, 200, { keys: [{ ...jwk, endorsements: ['msteams', 'emulator', 'webchat'] }] });
    }
    const expected = options.outboundToken === null ? undefined : `Bearer ${options.outboundToken}`;
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [v3, conversations, conversationId, kind, item] = parts;
    const known =
      v3 === 'v3' &&
      conversations === 'conversations' &&
      conversationId !== undefined &&
      ((method === 'POST' && kind === 'activities' && parts.length <= 5) ||
        (method === 'GET' && kind === 'members' && item !== undefined && parts.length === 5));
    if (!known) {
      unexpected.push(request);
      return json(res, 404, { error: { code: 'NotFound', message: `no ${method} ${url.pathname}` } });
    }
    if (req.headers.authorization !== expected) {
      violations.push(`${method} ${url.pathname} carried ${req.headers.authorization ?? 'no token'}`);
      return json(res, 401, { message: 'Authorization has been denied for this request.' });
    }
    if (method === 'GET') {
      lookups.push(request);
      const member = (options.members ?? []).find((m) => m.id === item || m.aadObjectId === item);
      if (!member)
        return json(res, 404, {
          error: { code: 'MemberNotFoundInConversation', message: 'Member not found' },
        });
      return json(res, 200, {
        id: member.id,
        name: member.name,
        aadObjectId: member.aadObjectId,
        email: member.email,
        userPrincipalName: member.userPrincipalName ?? member.email,
        tenantId: 'tenant',
        userRole: 'user',
      });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    nextId += 1;
    const id = checkStream(activity, String(nextId));
    sent.push({ conversationId, replyToId: item ?? null, activity, id, receivedAt: performance.now() });
    for (const wake of waiters) wake();
    return json(res, 201, { id });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  async function sign(
    key: CryptoKey,
    appId: string,
    claims: Record<string, unknown>,
    expiresIn: number,
    keyId: string,
  ) {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      iss: BOT_FRAMEWORK_ISSUER,
      aud: appId,
      serviceurl: base,
      nbf: now - 60,
      iat: now - 60,
      exp: now + expiresIn,
      ...claims,
    };
    for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: keyId, typ: 'JWT' }).sign(key);
  }

  return {
    url: base,
    openIdMetadataUrl: `${base}openid`,
    sent,
    lookups,
    unexpected,
    violations,
    token: (appId, claims = {}, tokenOptions = {}) =>
      sign(privateKey, appId, claims, tokenOptions.expiresInSeconds ?? 3600, kid),
    foreignToken: (appId) => sign(other.privateKey, appId, {}, 3600, kid),
    messages: () => sent.filter((s) => s.activity.type === 'message'),
    async waitFor(predicate, timeoutMs = 10_000) {
      if (predicate(sent)) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`fake connector: condition not met in ${timeoutMs} ms (${sent.length} sent)`));
        }, timeoutMs);
        const check = () => {
          if (!predicate(sent)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    reset() {
      sent.length = 0;
      lookups.length = 0;
      unexpected.length = 0;
      violations.length = 0;
      streams.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
