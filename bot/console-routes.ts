/**
 * Serves the built admin console at `/`. Hashed assets are cached for good; any other GET that is not
 * an API path gets index.html, so client routes (/documents?status=failed) survive a reload or a shared link.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '#core';

/** Paths that belong to the server: never answered with the console's index.html. */
const SERVER_PREFIXES = ['/api', '/graphql', '/auth', '/slack', '/healthz', '/readyz', '/metrics'];

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

export async function registerConsole(app: FastifyInstance, options: { dir: string }): Promise<void> {
  const indexFile = path.join(options.dir, 'index.html');
  if (!existsSync(indexFile)) {
    throw new Error(`The admin console is not built (${indexFile} is missing): run npm run build:console.`);
  }
  await app.register(fastifyStatic, {
    root: options.dir,
    wildcard: false,
    index: false,
    setHeaders: (reply, filePath) => {
      const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
      void reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const sendIndex = (reply: FastifyReply) =>
    reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' }).sendFile('index.html');
  app.get('/', (_request, reply) => sendIndex(reply));
  app.get('/*', (request, reply) => {
    const pathname = request.url.split('?')[0] ?? '/';
    if (SERVER_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`))) {
      throw new AppError('not_found', `No route for GET ${pathname}`);
    }
    // A missing asset is a 404, not the app: a stale tab asking for an old chunk must fail visibly.
    if (pathname.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(pathname)) {
      throw new AppError('not_found', `No file ${pathname}`);
    }
    return sendIndex(reply);
  });
}
