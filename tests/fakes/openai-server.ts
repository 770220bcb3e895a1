/**
 * A local stand-in for an OpenAI-compatible model server (OpenAI, vLLM, Ollama...), on 127.0.0.1 and a
 * random port. It speaks the real wire format of `POST /v1/chat/completions` (JSON, and SSE
 * `chat.completion.chunk` events ending in `data: [DONE]`, with the usage chunk when
 * `stream_options.include_usage` is set), `POST /v1/embeddings` (float or little-endian float32 base64,
 * as `encoding_format` asks) and `GET /v1/models` (the scripted model names). Behaviour is scripted per model name, or per call; every request is recorded,
 * and any other path answers 404 and is recorded as unexpected so that a test can fail on it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeFailure {
  readonly status: number;
  /** How many calls fail before the model behaves normally again; default: every call. */
  readonly times?: number;
  /** Sent as the `Retry-After` header (seconds, or an HTTP date). */
  readonly retryAfter?: string;
  readonly message?: string;
  readonly code?: string;
}

export interface FakeBehaviour {
  /** Chat: the reply's text. Default "This is the fake answer [1]." */
  readonly reply?: string;
  /** Chat: the pieces streamed one chunk each; default the reply split after each space. */
  readonly tokens?: readonly string[];
  /** Chat: pause before each streamed piece; embeddings: pause before answering. */
  readonly delayMs?: number;
  /** Answer with this error status (OpenAI's error body) instead of a result. */
  readonly fail?: FakeFailure;
  /** Accept the request and never answer (until `close()`). */
  readonly hang?: boolean;
  /** Chat streaming: send this many pieces, then destroy the connection. */
  readonly dropAfterTokens?: number;
  /** Chat streaming: send this many pieces, then go silent without closing. */
  readonly hangAfterTokens?: number;
  /** Chat: the usage reported; null reports none even when asked. Default: word counts. */
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number } | null;
  /** Embeddings: the length of the vectors sent, whatever was asked (to test validation). */
  readonly vectorLength?: number;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  readonly body: unknown;
  readonly kind: 'chat' | 'embeddings' | 'models' | 'unexpected';
  /** `performance.now()` when the request arrived. */
  readonly receivedAt: number;
  /** The status answered, once answered. */
  status?: number;
  /** Embeddings: the vectors sent back, as float32 values (what a correct client must decode). */
  vectors?: number[][];
}

export interface ChatRequestBody {
  readonly model: string;
  readonly messages: readonly { readonly role: string; readonly content: unknown }[];
  readonly stream?: boolean;
  readonly stream_options?: { readonly include_usage?: boolean } | null;
  readonly [key: string]: unknown;
}

export interface EmbeddingRequestBody {
  readonly model: string;
  readonly input: string | readonly string[];
  readonly encoding_format?: 'float' | 'base64';
  readonly dimensions?: number;
  readonly [key: string]: unknown;
}

export interface FakeOpenAiOptions {
  /** Standing behaviour per model name; `*` applies to any model without its own. */
  readonly models?: Readonly<Record<string, FakeBehaviour>>;
  /** Vector length when the request names no `dimensions`. Default 8. */
  readonly embeddingDimensions?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get 401. */
  readonly apiKey?: string;
}

export interface FakeOpenAi {
  /** Base URL for an OpenAI client (`http://127.0.0.1:<port>/v1`). */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests to paths the fake does not serve. A test should expect this to stay empty. */
  readonly unexpected: RecordedRequest[];
  chatRequests(): ChatRequestBody[];
  embeddingRequests(): EmbeddingRequestBody[];
  /** Sets the standing behaviour of `model` (`*` for any model), resetting its failure count. */
  script(model: string, behaviour: FakeBehaviour): void;
  /** Queues one-shot behaviours for the next calls to `model`, used before the standing one. */
  scriptNext(model: string, ...behaviours: FakeBehaviour[]): void;
  close(): Promise<void>;
}

const DEFAULT_REPLY = 'This is the fake answer [1].';

export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const standing = new Map<string, { behaviour: FakeBehaviour; failuresLeft: number }>();
  const queued = new Map<string, FakeBehaviour[]>();
  const requests: RecordedRequest[] = [];
  const defaultDimensions = options.embeddingDimensions ?? 8;

  const script = (model: string, behaviour: FakeBehaviour) => {
    standing.set(model, { behaviour, failuresLeft: behaviour.fail?.times ?? Number.POSITIVE_INFINITY });
  };
  for (const [model, behaviour] of Object.entries(options.models ?? {})) script(model, behaviour);

  /** The behaviour for this call; a standing failure that has run out of `times` no longer applies. */
  const behaviourFor = (model: string): FakeBehaviour => {
    const next = queued.get(model)?.shift();
    if (next !== undefined) return next;
    const entry = standing.get(model) ?? standing.get('*');
    if (entry === undefined) return {};
    if (entry.behaviour.fail === undefined) return entry.behaviour;
    if (entry.failuresLeft > 0) {
      entry.failuresLeft -= 1;
      return entry.behaviour;
    }
    const { fail: _spent, ...rest } = entry.behaviour;
    return rest;
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, String(error), 'server_error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown = raw;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      // Kept as text; the handlers below reject it.
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const kind =
      req.method === 'POST' && path === '/v1/chat/completions'
        ? 'chat'
        : req.method === 'POST' && path === '/v1/embeddings'
          ? 'embeddings'
          : req.method === 'GET' && path === '/v1/models'
            ? 'models'
            : 'unexpected';
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: { ...req.headers },
      body,
      kind,
      receivedAt: performance.now(),
    };
    requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });

    if (kind === 'unexpected') {
      sendError(
        res,
        404,
        `Unknown request URL: ${req.method} ${path}.`,
        'invalid_request_error',
        'unknown_url',
      );
      return;
    }
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      sendError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
      return;
    }
    if (kind === 'models') {
      // GET /v1/models: the list object OpenAI, vLLM and Ollama all return.
      const data = [...standing.keys()].map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' }));
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ object: 'list', data }));
      return;
    }
    if (!isObject(body) || typeof body.model !== 'string') {
      sendError(res, 400, 'you must provide a model parameter', 'invalid_request_error');
      return;
    }
    const behaviour = behaviourFor(body.model);
    if (behaviour.hang) return; // never answered; close() drops the connection
    if (behaviour.fail !== undefined) {
      const { status, retryAfter, message, code } = behaviour.fail;
      const headers: Record<string, string> = retryAfter === undefined ? {} : { 'retry-after': retryAfter };
      sendError(res, status, message ?? defaultMessage(status), errorType(status), code ?? null, headers);
      return;
    }
    if (kind === 'chat') await answerChat(body, behaviour, req, res);
    else await answerEmbeddings(body, behaviour, record, res);
  }

  async function answerChat(
    body: Record<string, unknown>,
    behaviour: FakeBehaviour,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      sendError(res, 400, "'messages' must contain at least one message", 'invalid_request_error');
      return;
    }
    const model = String(body.model);
    const reply = behaviour.reply ?? DEFAULT_REPLY;
    const tokens = behaviour.tokens ?? reply.split(/(?<= )/);
    const promptTokens = countWords(JSON.stringify(body.messages));
    const usage =
      behaviour.usage === null
        ? null
        : (behaviour.usage ?? { prompt_tokens: promptTokens, completion_tokens: tokens.length });
    const id = `chatcmpl-${randomUUID().replaceAll('-', '').slice(0, 24)}`;
    const created = Math.floor(Date.now() / 1000);

    if (body.stream !== true) {
      if (behaviour.delayMs) await sleep(behaviour.delayMs * tokens.length);
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: tokens.join(''), refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: usage === null ? undefined : withTotal(usage),
        system_fingerprint: 'fp_fake',
      });
      return;
    }

    const includeUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': `req_${randomUUID().replaceAll('-', '')}`,
    });
    let gone = false;
    req.on('close', () => {
      gone = true;
    });
    const chunk = (delta: object, finishReason: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    });
    const send = (event: object | '[DONE]') =>
      res.write(`data: ${event === '[DONE]' ? event : JSON.stringify(event)}\n\n`);

    send(chunk({ role: 'assistant', content: '', refusal: null }, null));
    for (const [i, token] of tokens.entries()) {
      if (behaviour.dropAfterTokens !== undefined && i >= behaviour.dropAfterTokens) {
        // Let what was written reach the client, then cut the connection mid-body (no final chunk, no [DONE]).
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        res.socket?.end();
        return;
      }
      if (behaviour.hangAfterTokens !== undefined && i >= behaviour.hangAfterTokens) return;
      if (behaviour.delayMs) await sleep(behaviour.delayMs);
      if (gone) return;
      send(chunk({ content: token }, null));
    }
    send(chunk({}, 'stop'));
    if (includeUsage && usage !== null) {
      send({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: 'fp_fake',
        choices: [],
        usage: withTotal(usage),
      });
    }
    send('[DONE]');
    res.end();
  }

  async function answerEmbeddings(
    body: Record<string, unknown>,
    behaviour: FakeBehaviour,
    record: RecordedRequest,
    res: ServerResponse,
  ): Promise<void> {
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    if (
      !Array.isArray(input) ||
      input.length === 0 ||
      !input.every((t) => typeof t === 'string' && t !== '')
    ) {
      sendError(res, 400, "'$.input' is invalid.", 'invalid_request_error');
      return;
    }
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') {
      sendError(res, 400, `Invalid encoding_format: ${String(format)}`, 'invalid_request_error');
      return;
    }
    const dimensions =
      behaviour.vectorLength ?? (typeof body.dimensions === 'number' ? body.dimensions : defaultDimensions);
    if (behaviour.delayMs) await sleep(behaviour.delayMs);
    const vectors = input.map((text: string) => fakeEmbedding(text, dimensions));
    record.vectors = vectors;
    sendJson(res, 200, {
      object: 'list',
      data: vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: format === 'base64' ? toBase64Float32(vector) : vector,
      })),
      model: body.model,
      usage: { prompt_tokens: countWords(input.join(' ')), total_tokens: countWords(input.join(' ')) },
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get unexpected() {
      return requests.filter((r) => r.kind === 'unexpected');
    },
    chatRequests: () => requests.filter((r) => r.kind === 'chat').map((r) => r.body as ChatRequestBody),
    embeddingRequests: () =>
      requests.filter((r) => r.kind === 'embeddings').map((r) => r.body as EmbeddingRequestBody),
    script,
    scriptNext(model, ...behaviours) {
      queued.set(model, [...(queued.get(model) ?? []), ...behaviours]);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The vector the fake returns for `text`: deterministic, unit length, every value exact in float32. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  let seed = 2166136261;
  for (let i = 0; i < text.length; i += 1) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619);
  const values: number[] = [];
  for (let i = 0; i < dimensions; i += 1) {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    values.push(((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1);
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((v) => Math.fround(v / norm));
}

function toBase64Float32(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => {
    bytes.writeFloatLE(value, i * 4);
  });
  return bytes.toString('base64');
}

function withTotal(usage: { prompt_tokens: number; completion_tokens: number }) {
  return { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': `req_${randomUUID().replaceAll('-', '')}`,
    ...headers,
  });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { message, type, param: null, code } }, headers);
}

function defaultMessage(status: number): string {
  if (status === 429) return 'Rate limit reached for requests. Please slow down.';
  if (status >= 500) return 'The server had an error while processing your request. Sorry about that!';
  return 'Invalid request.';
}

function errorType(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
