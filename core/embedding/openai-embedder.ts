/**
 * Embeddings from any OpenAI-compatible endpoint (OpenAI, Azure OpenAI's v1 API, Ollama, vLLM) through
 * LangChain's OpenAIEmbeddings. Batching and retries are done here rather than by LangChain: its retry
 * gives up on a 429 without Retry-After and cannot be cancelled, and ingestion needs both.
 */
import { OpenAIEmbeddings } from '@langchain/openai';
import { AppError } from '../errors.ts';
import type { Embedder, Logger } from '../ports.ts';

export interface OpenAiEmbedderOptions {
  /** e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`; default OpenAI's. */
  readonly baseUrl?: string | undefined;
  /** Servers that need none (Ollama, vLLM) get a placeholder: the SDK refuses to start without one. */
  readonly apiKey?: string | undefined;
  /** The server's model name, e.g. `text-embedding-3-small`. */
  readonly model: string;
  /**
   * Sent as `dimensions` (text-embedding-3 models shorten their vectors to it) and checked on every vector.
   * Without it, known OpenAI models use their native size and others learn it from the first response.
   */
  readonly dimensions?: number | undefined;
  /** Texts per request (OpenAI accepts up to 2048). */
  readonly batchSize: number;
  /** Retries of one request on 408/409/429/5xx, timeouts and connection errors. Default 5. */
  readonly maxRetries?: number | undefined;
  /** First backoff delay, doubled on each retry, with jitter. Default 500 ms. */
  readonly retryBaseDelayMs?: number | undefined;
  /** Longest wait before a retry; a Retry-After above it fails the request instead. Default 60 s. */
  readonly maxRetryDelayMs?: number | undefined;
  /** Per request. Default 60 s. */
  readonly timeoutMs?: number | undefined;
  readonly logger?: Logger | undefined;
}

export interface OpenAiEmbedder extends Embedder {
  /** `openai:<model>`, or `openai:<model>@<dimensions>` when dimensions are requested: vectors of different sizes never mix. */
  readonly model: string;
  /** 0 until the first response when neither configured nor known for the model. */
  readonly dimensions: number;
}

const NATIVE_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

const RETRYABLE_STATUS = new Set([408, 409, 429]);

export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): OpenAiEmbedder {
  const requested = options.dimensions;
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
    throw new RangeError(`embedding dimensions must be a positive integer, got ${requested}`);
  }
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 2048) {
    throw new RangeError(`embedding batch size must be an integer in 1…2048, got ${options.batchSize}`);
  }
  const maxRetries = options.maxRetries ?? 5;
  const baseDelay = options.retryBaseDelayMs ?? 500;
  const maxDelay = options.maxRetryDelayMs ?? 60_000;
  const logger = options.logger?.child({
    component: 'openai-embedder',
    model: options.model,
    url: options.baseUrl ?? 'https://api.openai.com/v1',
  });
  let dimensions = requested ?? NATIVE_DIMENSIONS[options.model] ?? 0;

  const client = new OpenAIEmbeddings({
    model: options.model,
    apiKey: options.apiKey ?? 'not-configured',
    configuration: options.baseUrl === undefined ? {} : { baseURL: options.baseUrl },
    batchSize: options.batchSize,
    timeout: options.timeoutMs ?? 60_000,
    // One call is one request; retries are ours (see the file comment).
    maxRetries: 0,
    maxConcurrency: 1,
    ...(requested === undefined ? {} : { dimensions: requested }),
  });

  /** One request for `batch`, retried; vectors validated. */
  async function embedBatch(batch: readonly string[], signal: AbortSignal | undefined): Promise<number[][]> {
    // OpenAI rejects empty input strings; a space embeds as "nothing" just as well.
    const texts = batch.map((text) => (text.trim() === '' ? ' ' : text));
    for (let attempt = 0; ; attempt += 1) {
      signal?.throwIfAborted();
      try {
        const vectors = await abortable(client.embedDocuments(texts), signal);
        return validate(vectors, texts.length);
      } catch (error) {
        signal?.throwIfAborted();
        if (error instanceof AppError) throw error;
        const status = statusOf(error);
        const message = firstLine(error);
        const retryable = status === undefined || status >= 500 || RETRYABLE_STATUS.has(status);
        if (!retryable || attempt >= maxRetries) {
          throw new AppError(
            'upstream_unavailable',
            `Embedding with ${options.model} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${message}`,
            { cause: error, details: { model: options.model, status, attempts: attempt + 1, retryable } },
          );
        }
        const backoff = Math.min(maxDelay, baseDelay * 2 ** attempt * (1 + Math.random() * 0.25));
        const retryAfter = retryAfterMs(error);
        if (retryAfter !== undefined && retryAfter > maxDelay) {
          throw new AppError(
            'upstream_unavailable',
            `Embedding with ${options.model} is rate limited for ${Math.ceil(retryAfter / 1000)} s`,
            { cause: error, details: { model: options.model, status, retryAfterMs: retryAfter } },
          );
        }
        const delay = Math.max(backoff, retryAfter ?? 0);
        logger?.warn(
          { status, attempt: attempt + 1, delayMs: Math.round(delay), message },
          'embedding retry',
        );
        await sleep(delay, signal);
      }
    }
  }

  function validate(vectors: ArrayLike<number>[], expected: number): number[][] {
    if (vectors.length !== expected) {
      throw new AppError(
        'upstream_unavailable',
        `Embedding with ${options.model} returned ${vectors.length} vectors for ${expected} texts`,
      );
    }
    // The SDK decodes base64 responses into Float32Array; the port promises plain arrays.
    const out = vectors.map((vector) => Array.from(vector));
    for (const vector of out) {
      if (dimensions === 0) dimensions = vector.length;
      if (vector.length !== dimensions) {
        throw new AppError(
          'upstream_unavailable',
          `Embedding with ${options.model} returned a vector of ${vector.length} dimensions, expected ${dimensions}`,
        );
      }
      if (!vector.every(Number.isFinite)) {
        throw new AppError(
          'upstream_unavailable',
          `Embedding with ${options.model} returned a non-finite value`,
        );
      }
    }
    return out;
  }

  return {
    model: requested === undefined ? `openai:${options.model}` : `openai:${options.model}@${requested}`,
    get dimensions() {
      return dimensions;
    },
    async embedDocuments(texts, signal) {
      const out: number[][] = [];
      for (let start = 0; start < texts.length; start += options.batchSize) {
        out.push(...(await embedBatch(texts.slice(start, start + options.batchSize), signal)));
      }
      return out;
    },
    async embedQuery(text, signal) {
      const [vector] = await embedBatch([text], signal);
      if (vector === undefined) throw new AppError('upstream_unavailable', 'Embedding returned no vector');
      return vector;
    },
  };
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ('status' in error && typeof error.status === 'number') return error.status;
  return undefined;
}

/** `retry-after-ms` (OpenAI's) or `Retry-After` in seconds or as an HTTP date. */
function retryAfterMs(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('headers' in error)) return undefined;
  const headers = error.headers;
  const get = (name: string): string | null | undefined => {
    if (headers instanceof Headers) return headers.get(name);
    if (typeof headers === 'object' && headers !== null) {
      const value = (headers as Record<string, unknown>)[name];
      return typeof value === 'string' ? value : undefined;
    }
    return undefined;
  };
  const ms = Number.parseFloat(get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = get('retry-after');
  if (raw === null || raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (the request itself is left to finish). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
