/**
 * Operations for whoever runs the server on this machine, authorised by the local admin token in
 * DATA_DIR (see local-admin-token.ts) and only over loopback: today, resetting a lost password.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '#core';
import type { Db } from '#db';
import { resetPasswordByEmail } from '../admin/api/index.ts';
import { sameToken } from './local-admin-token.ts';

export const LOCAL_TOKEN_HEADER = 'x-exgpt-local-token';

export function registerLocalAdminRoutes(app: FastifyInstance, deps: { db: Db; token: string }): void {
  app.post<{ Body: { email?: unknown } }>('/local/reset-password', async (request) => {
    // The socket's address, not request.ip: behind trustProxy that one comes from X-Forwarded-For.
    const remote = request.socket.remoteAddress ?? '';
    const given = request.headers[LOCAL_TOKEN_HEADER];
    if (!isLoopback(remote) || typeof given !== 'string' || !sameToken(deps.token, given)) {
      throw new AppError('forbidden', 'Run this on the server machine, as the user that runs ex-GPT.');
    }
    const email = request.body?.email;
    if (typeof email !== 'string' || email.trim() === '') {
      throw new AppError('invalid_input', 'Give the e-mail address of the account.');
    }
    return resetPasswordByEmail(deps.db, email);
  });
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
