/**
 * Is the OpenAI-compatible model server answering? `GET {base}/models` with the configured key: cheap,
 * served by OpenAI, Azure OpenAI's v1 API, Ollama and vLLM alike, and it spends no tokens. Any answer
 * other than a refused key or a server error counts as reachable (some servers do not list models).
 */
import type { Config } from '#core';
import { modelServerUrl } from './setup-summary.ts';

export interface ModelProbe {
  readonly url: string;
  readonly reachable: boolean;
  readonly latencyMs: number;
  /** Why not, in words safe to show an admin (no key, no response body). */
  readonly reason: string | null;
}

export async function probeModelServer(
  config: Pick<Config, 'OPENAI_BASE_URL' | 'OPENAI_API_KEY'>,
  timeoutMs: number,
): Promise<ModelProbe> {
  const url = modelServerUrl(config);
  const started = performance.now();
  const done = (reachable: boolean, reason: string | null): ModelProbe => ({
    url,
    reachable,
    latencyMs: Math.round(performance.now() - started),
    reason,
  });
  try {
    const response = await fetch(`${url}/models`, {
      headers: config.OPENAI_API_KEY ? { authorization: `Bearer ${config.OPENAI_API_KEY}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    if (response.status === 401 || response.status === 403) {
      return done(false, `refused the API key (HTTP ${response.status}): check OPENAI_API_KEY`);
    }
    if (response.status >= 500) return done(false, `answered HTTP ${response.status}`);
    return done(true, null);
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return done(false, timedOut ? `no answer within ${timeoutMs} ms` : 'not reachable (connection failed)');
  }
}

/** A probe run at most once per `maxAgeMs`: /readyz may be polled every few seconds. */
export function cachedModelProbe(
  config: Pick<Config, 'OPENAI_BASE_URL' | 'OPENAI_API_KEY'>,
  options: { timeoutMs: number; maxAgeMs: number },
): () => Promise<ModelProbe> {
  let last: { at: number; result: Promise<ModelProbe> } | null = null;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > options.maxAgeMs) {
      last = { at: now, result: probeModelServer(config, options.timeoutMs) };
    }
    return last.result;
  };
}
