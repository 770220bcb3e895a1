/**
 * Mounts the admin API on fastify: POST/GET /graphql (graphql-yoga, subscriptions as server-sent
 * events), the cookie-authenticated session endpoints under /auth (CSRF-checked), OIDC sign-in, and
 * streamed exports under /api/v1/exports (access token, or an API key with the read:audit scope).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type Config } from '#core';
import type { AdminApi } from '../admin/api/index.ts';
import { CSRF_HEADER, inCallerLanguage, startExport } from '../admin/api/index.ts';
import { type Authenticator, requirePrincipal } from './auth.ts';
import { requestTranslator } from './http-errors.ts';

export interface AdminRoutesDeps {
  readonly config: Config;
  readonly adminApi: AdminApi;
  readonly authenticate: Authenticator;
}

export function registerAdminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): void {
  const { adminApi, config } = deps;
  const yoga = adminApi.yoga;
  const meta = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  });

  // Subscriptions stay open for as long as a console tab does: on shutdown they are ended here, or
  // fastify's close would wait for every open tab (30 s and a forced exit that left server.json behind).
  const openStreams = new Set<FastifyReply['raw']>();
  app.addHook('preClose', async () => {
    for (const stream of openStreams) stream.destroy();
    openStreams.clear();
  });

  app.route({
    url: yoga.graphqlEndpoint,
    method: ['GET', 'POST', 'OPTIONS'],
    handler: async (request, reply) => {
      const response = await inCallerLanguage(requestTranslator(request), () =>
        yoga.handleNodeRequestAndResponse(request, reply, { req: request }),
      );
      for (const [key, value] of response.headers) {
        if (key !== 'set-cookie') void reply.header(key, value);
      }
      // Headers.forEach would join several cookies into one header; each must stay its own line.
      const cookies = response.headers.getSetCookie();
      if (cookies.length) void reply.header('set-cookie', cookies);
      void reply.status(response.status);
      if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
        openStreams.add(reply.raw);
        reply.raw.once('close', () => openStreams.delete(reply.raw));
      }
      return reply.send(response.body);
    },
  });

  app.post('/auth/refresh', async (request, reply) => {
    assertSameOriginRequest(request, config);
    const result = await adminApi.refresh(request.headers.cookie, meta(request));
    void reply.header('set-cookie', result.cookie).header('cache-control', 'no-store');
    if (!result.ok) throw result.error;
    const { token, expiresAt, user } = result.grant;
    return { token, expiresAt: expiresAt.toISOString(), user };
  });

  app.post('/auth/logout', async (request, reply) => {
    assertSameOriginRequest(request, config);
    const { cookie } = await adminApi.logout(request.headers.cookie, meta(request));
    return reply.header('set-cookie', cookie).status(204).send();
  });

  app.get<{ Querystring: { returnTo?: string } }>('/auth/oidc/start', async (request, reply) => {
    const { redirectUrl, cookie } = await adminApi.oidcStart(request.query.returnTo);
    return reply.header('set-cookie', cookie).header('cache-control', 'no-store').redirect(redirectUrl, 302);
  });

  app.get('/auth/oidc/callback', async (request, reply) => {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const { redirectTo, cookies } = await adminApi.oidcFinish(query, request.headers.cookie, meta(request));
    return reply.header('set-cookie', cookies).header('cache-control', 'no-store').redirect(redirectTo, 302);
  });

  for (const kind of ['audit', 'conversations'] as const) {
    app.get(`/api/v1/exports/${kind}`, async (request, reply) => sendExport(request, reply, kind));
  }

  async function sendExport(request: FastifyRequest, reply: FastifyReply, kind: 'audit' | 'conversations') {
    const principal = await requirePrincipal(request, deps.authenticate, 'read:audit');
    const exported = await startExport(
      adminApi.services.db,
      kind,
      principal,
      request.query as Record<string, unknown>,
      request.ip,
    );
    return reply
      .header('content-type', exported.contentType)
      .header('content-disposition', `attachment; filename="${exported.filename}"`)
      .header('cache-control', 'no-store')
      .header('x-audit-head', `${exported.auditHead.id} ${exported.auditHead.hash}`)
      .send(Readable.from(exported.body));
  }
}

/**
 * CSRF protection for cookie-authenticated endpoints: the custom header forces a CORS preflight on any
 * cross-site request (and this server grants none), and Origin / Sec-Fetch-Site, when the browser sends
 * them, must name this site.
 */
export function assertSameOriginRequest(request: FastifyRequest, config: Config): void {
  if (!request.headers[CSRF_HEADER]) {
    throw new AppError('forbidden', `CSRF check failed: send the ${CSRF_HEADER} header (any value).`);
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    throw new AppError('forbidden', 'CSRF check failed: cross-site request.');
  }
  const origin = request.headers.origin;
  if (origin) {
    const allowed = new Set([`${request.protocol}://${request.host}`]);
    if (config.PUBLIC_URL) allowed.add(new URL(config.PUBLIC_URL).origin);
    if (!allowed.has(origin))
      throw new AppError('forbidden', 'CSRF check failed: the request comes from another site.');
  }
}
