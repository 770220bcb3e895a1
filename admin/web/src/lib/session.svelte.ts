/**
 * Who is signed in. The access token lives in memory only; the refresh token is an httpOnly cookie
 * scoped to /auth. Refreshes rotate that cookie and reusing a rotated one ends the session, so every
 * tab refreshes under one Web Lock, one at a time.
 */
import { setLocale, t } from './i18n.svelte.ts';
import type { SessionUser } from './types.ts';

export const CSRF_HEADERS = { 'X-ExGPT-CSRF': '1' } as const;

type Status = 'loading' | 'signed-out' | 'signed-in';

export const session = $state<{ status: Status; user: SessionUser | null; notice: string | null }>({
  status: 'loading',
  user: null,
  notice: null,
});

let token: string | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<boolean> | null = null;

export function accessToken(): string | null {
  return token;
}

export interface Grant {
  token: string;
  expiresAt: string;
  user: SessionUser;
}

export function acceptGrant(grant: Grant): void {
  token = grant.token;
  session.user = grant.user;
  // The language the user chose, on any device, wins over the browser's.
  if (grant.user.locale) setLocale(grant.user.locale);
  session.status = 'signed-in';
  session.notice = null;
  clearTimeout(refreshTimer);
  // Refresh a minute before expiry (or at 80 % of a short lifetime).
  const lifetime = new Date(grant.expiresAt).getTime() - Date.now();
  const delay = Math.max(5_000, Math.min(lifetime - 60_000, lifetime * 0.8));
  refreshTimer = setTimeout(() => void refreshSession(), delay);
}

export function endSession(notice: string | null = null): void {
  token = null;
  clearTimeout(refreshTimer);
  session.user = null;
  session.status = 'signed-out';
  session.notice = notice;
}

async function withRefreshLock<T>(work: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? locks.request('exgpt-refresh', work) : work();
}

/** Trades the refresh cookie for a new access token; false (and signed out) when the session is over. */
export function refreshSession(): Promise<boolean> {
  inFlight ??= withRefreshLock(async () => {
    try {
      const response = await fetch('/auth/refresh', {
        method: 'POST',
        credentials: 'include',
        headers: CSRF_HEADERS,
      });
      if (!response.ok) {
        endSession(session.status === 'signed-in' ? t('session.ended') : null);
        return false;
      }
      acceptGrant((await response.json()) as Grant);
      return true;
    } catch {
      // Offline or server restarting: keep the current state and try again shortly.
      if (session.status === 'loading') endSession(t('session.unreachable'));
      else refreshTimer = setTimeout(() => void refreshSession(), 10_000);
      return false;
    }
  }).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

export async function signOut(): Promise<void> {
  clearTimeout(refreshTimer);
  await fetch('/auth/logout', { method: 'POST', credentials: 'include', headers: CSRF_HEADERS }).catch(
    () => undefined,
  );
  endSession(t('session.signedOut'));
}
