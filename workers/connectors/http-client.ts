/**
 * HTTP for connectors: retries with exponential backoff on 429, 502–504 and network errors, honouring
 * Retry-After (seconds or a date); bodies read with a byte cap so a hostile or broken server cannot
 * exhaust memory; redirects followed by hand, a few hops and the same origin only.
 */
import { AppError } from '#core';

export interface HttpClientOptions {
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  /** The longest wait between attempts; a Retry-After asking for more than this fails the request. */
  readonly maxDelayMs?: number;
  readonly timeoutMs?: number;
  readonly maxRedirects?: number;
  readonly userAgent?: string;
  /** Injected by tests to observe waits instead of sleeping through them. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface HttpRequestInit {
  readonly headers?: Record<string, string>;
  readonly signal: AbortSignal;
  /** GET unless given (a token request POSTs a form). */
  readonly method?: string;
  readonly body?: string;
  /** `manual`: a 3xx is returned as it is, for the caller to follow (e.g. without its credentials). */
  readonly redirect?: 'follow-same-origin' | 'manual';
  /**
   * A download that hands over to a storage host (Confluence Cloud's attachments go to
   * api.media.atlassian.com with a signed link): such a redirect is followed, never from https to http,
   * and without this request's headers, whose credentials are for the first site only.
   */
  readonly followToOtherSites?: boolean;
}

export interface HttpClient {
  /** A response after retries and same-origin redirects; its body is not read yet. */
  request(url: string, init: HttpRequestInit): Promise<Response>;
}

const RETRIABLE = new Set([429, 502, 503, 504]);

export const sleepFor = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Retry-After in milliseconds, from seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 120_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const sleep = options.sleep ?? sleepFor;
  const userAgent = options.userAgent ?? 'ex-GPT-connector/1';

  async function once(url: string, init: HttpRequestInit) {
    let current = new URL(url);
    let headers: Record<string, string> = { 'user-agent': userAgent, ...init.headers };
    for (let hop = 0; ; hop++) {
      const response = await fetch(current, {
        method: init.method ?? 'GET',
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        redirect: 'manual',
        signal: AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]),
      });
      if (response.status < 300 || response.status >= 400 || response.status === 304) return response;
      if (init.redirect === 'manual') return response;
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (!location) return response;
      const next = new URL(location, current);
      const handOver =
        init.followToOtherSites === true && !(current.protocol === 'https:' && next.protocol !== 'https:');
      if (next.origin !== current.origin && handOver) {
        headers = { 'user-agent': userAgent };
      } else if (next.origin !== current.origin) {
        throw new AppError(
          'unprocessable_document',
          `${url} redirects to another site (${next.origin}): not followed.`,
        );
      }
      if (hop + 1 > maxRedirects) {
        throw new AppError(
          'unprocessable_document',
          `${url} redirects more than ${maxRedirects} times (a redirect loop?).`,
        );
      }
      current = next;
    }
  }

  return {
    async request(url, init) {
      for (let attempt = 1; ; attempt++) {
        let response: Response | null = null;
        let failure: unknown = null;
        try {
          response = await once(url, init);
        } catch (error) {
          if (error instanceof AppError || init.signal.aborted) throw error;
          failure = error;
        }
        if (response && !RETRIABLE.has(response.status)) return response;
        const asked = response ? retryAfterMs(response.headers.get('retry-after')) : null;
        await response?.body?.cancel();
        const reason = response ? `HTTP ${response.status}` : String((failure as Error)?.message ?? failure);
        if (attempt >= maxAttempts) {
          throw new AppError(
            'upstream_unavailable',
            `${new URL(url).host} did not answer after ${attempt} attempts (${reason}).`,
            {
              expose: true,
              localized: {
                key: 'sources.failure.noAnswer',
                values: { host: new URL(url).host, attempts: attempt, reason },
              },
            },
          );
        }
        if (asked !== null && asked > maxDelayMs) {
          throw new AppError(
            'upstream_unavailable',
            `${new URL(url).host} asked to wait ${Math.ceil(asked / 1000)} s before trying again; the next run will.`,
            {
              expose: true,
              localized: {
                key: 'sources.failure.askedToWait',
                values: { host: new URL(url).host, seconds: Math.ceil(asked / 1000) },
              },
            },
          );
        }
        const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        await sleep(asked ?? backoff, init.signal);
      }
    },
  };
}

/**
 * Reads at most `maxBytes` of a body: a larger one is cut off (the rest never downloaded) and reported,
 * so a 5 GB response costs `maxBytes` of memory and no more.
 */
export async function readCapped(
  response: Response,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    return { bytes: new Uint8Array(0), truncated: true };
  }
  if (!response.body) return { bytes: new Uint8Array(0), truncated: false };
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return { bytes: new Uint8Array(0), truncated: true };
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return { bytes, truncated: false };
}

/** "256 KB", "50 MB": a size limit as people read it. */
export function formatLimit(bytes: number): string {
  return bytes >= 1048576
    ? `${Math.round(bytes / 1048576)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
