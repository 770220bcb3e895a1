import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses to let a request be replayed later than this; so do we. */
export const MAX_REQUEST_AGE_SECONDS = 5 * 60;

export type SlackSignatureVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' };

/**
 * Slack's v0 request signing: `v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{raw body}`), compared in
 * constant time, over the raw bytes as received (before any parsing), with the timestamp at most five
 * minutes from now either way.
 */
export function verifySlackSignature(input: {
  readonly signingSecret: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly rawBody: Buffer;
  readonly nowMs?: number;
}): SlackSignatureVerdict {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'missing_headers' };
  const nowSeconds = Math.floor((input.nowMs ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_REQUEST_AGE_SECONDS)
    return { ok: false, reason: 'stale_timestamp' };
  const expected = Buffer.from(signSlackRequest(input.signingSecret, timestamp, input.rawBody));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}

export function signSlackRequest(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}
