/**
 * A local stand-in for Slack's Web API (https://slack.com/api/<method>) on 127.0.0.1 and a random port.
 * It speaks the real wire format: form-encoded or JSON requests (nested values JSON-encoded in forms, as
 * @slack/web-api sends them), a bearer token, and `{ ok: true, … }` / `{ ok: false, error }` JSON answers.
 * Every call is recorded. It checks what Slack checks (required arguments, the 12,000-character
 * markdown_text, 50 blocks, 3,000-character sections, 40,000-character text) and records violations;
 * any method it does not know is recorded as unexpected. A test should expect both lists to stay empty.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface SlackCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly token: string | null;
  /** `performance.now()` when the call arrived. */
  readonly receivedAt: number;
  /** What the fake answered. */
  response?: Record<string, unknown>;
}

export interface FakeSlackUser {
  readonly id: string;
  readonly email?: string | null;
  readonly name?: string;
  readonly isBot?: boolean;
  readonly teamId?: string;
  /** What users.info reports as `locale` when asked with include_locale (e.g. "ko-KR"). */
  readonly locale?: string;
}

export interface FakeSlackOptions {
  readonly token?: string;
  /** The bot's own user and bot ids, as auth.test reports them. */
  readonly botUserId?: string;
  readonly botId?: string;
  readonly teamId?: string;
  readonly users?: readonly FakeSlackUser[];
  /** The app-level token (xapp-…) apps.connections.open accepts: enables the Socket Mode endpoint. */
  readonly appToken?: string;
}

/** Slack's Socket Mode end: a WebSocket that sends envelopes and collects the app's acknowledgements. */
export interface FakeSocketMode {
  /** Resolves when the app has connected and been greeted with `hello`. */
  readonly connected: Promise<void>;
  /** Sends an events_api envelope carrying `payload` (an event_callback body); returns its envelope id. */
  sendEvent(payload: Record<string, unknown>): string;
  /** Envelope ids the app acknowledged, in order. */
  readonly acks: string[];
  waitForAck(envelopeId: string, timeoutMs?: number): Promise<void>;
}

export interface FakeSlack {
  /** Base URL for SLACK_API_URL, ending in `/api/`. */
  readonly url: string;
  readonly calls: SlackCall[];
  /** Calls to methods the fake does not serve. */
  readonly unexpected: SlackCall[];
  /** Calls Slack would refuse (a missing argument, a limit exceeded), with the reason. */
  readonly violations: { call: SlackCall; reason: string }[];
  callsTo(method: string): SlackCall[];
  /** Makes the next `times` calls (default every call) to `method` answer `{ ok: false, error }`. */
  failNext(method: string, error: string, times?: number): void;
  addUser(user: FakeSlackUser): void;
  /** The Socket Mode side (only with `appToken`). */
  readonly socket: FakeSocketMode;
  /** Waits until `done(calls)` holds, polling; rejects after `timeoutMs` listing the calls seen. */
  waitFor(done: (calls: readonly SlackCall[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Forgets recorded calls (not users or scripted failures). */
  reset(): void;
  close(): Promise<void>;
}

/** Fields @slack/web-api JSON-encodes inside form bodies. */
const JSON_FIELDS = new Set([
  'blocks',
  'chunks',
  'prompts',
  'view',
  'attachments',
  'metadata',
  'loading_messages',
]);

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const token = options.token ?? 'xoxb-test-token';
  const teamId = options.teamId ?? 'T111';
  const botUserId = options.botUserId ?? 'W111';
  const botId = options.botId ?? 'B111';
  const users = new Map<string, FakeSlackUser>();
  for (const user of options.users ?? []) users.set(user.id, user);
  const calls: SlackCall[] = [];
  const unexpected: SlackCall[] = [];
  const violations: { call: SlackCall; reason: string }[] = [];
  const failures = new Map<string, { error: string; left: number }>();
  let clock = 1_700_000_000;
  const nextTs = () => `${++clock}.000100`;
  const streams = new Map<string, { channel: string; open: boolean; text: string }>();

  type Handler = (args: Record<string, unknown>, call: SlackCall) => Record<string, unknown>;
  const refuse = (call: SlackCall, reason: string, error = 'invalid_arguments') => {
    violations.push({ call, reason });
    return { ok: false, error };
  };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const checkBlocks = (call: SlackCall, blocks: unknown): string | null => {
    if (blocks === undefined) return null;
    if (!Array.isArray(blocks)) return 'blocks is not an array';
    if (blocks.length > 50) return `${blocks.length} blocks (at most 50)`;
    for (const block of blocks as { type?: string; text?: { text?: string } }[]) {
      if (block.type === 'section' && (block.text?.text?.length ?? 0) > 3000)
        return 'section text over 3,000 characters';
    }
    void call;
    return null;
  };
  const checkMarkdown = (args: Record<string, unknown>) => (str(args.markdown_text)?.length ?? 0) > 12_000;

  // Socket Mode: apps.connections.open hands out this WebSocket; hello on connect, then envelopes.
  const sockets = new WebSocketServer({ noServer: true });
  let live: WebSocket | null = null;
  let onConnected!: () => void;
  const connected = new Promise<void>((resolve) => {
    onConnected = resolve;
  });
  const acks: string[] = [];
  let envelopes = 0;
  sockets.on('connection', (ws) => {
    live = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id?: string };
      if (message.envelope_id) acks.push(message.envelope_id);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'applink-fake', approximate_connection_time: 18060 },
        connection_info: { app_id: 'A111' },
      }),
    );
    onConnected();
  });

  const handlers: Record<string, Handler> = {
    'apps.connections.open': () => ({ ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=fake` }),
    'auth.test': () => ({
      ok: true,
      url: 'https://workspace-domain.slack.com/',
      team: 'Workspace',
      user: 'ex-gpt',
      team_id: teamId,
      user_id: botUserId,
      bot_id: botId,
      is_enterprise_install: false,
    }),
    'users.info': (args) => {
      const user = users.get(str(args.user) ?? '');
      if (!user) return { ok: false, error: 'user_not_found' };
      return {
        ok: true,
        user: {
          id: user.id,
          team_id: user.teamId ?? teamId,
          name: user.name ?? user.id.toLowerCase(),
          real_name: user.name ?? user.id,
          is_bot: user.isBot ?? false,
          deleted: false,
          ...(user.locale && (args.include_locale === true || args.include_locale === 'true')
            ? { locale: user.locale }
            : {}),
          profile: {
            real_name: user.name ?? user.id,
            display_name: user.name ?? '',
            ...(user.email ? { email: user.email } : {}),
          },
        },
      };
    },
    'chat.startStream': (args, call) => {
      const channel = str(args.channel);
      if (!channel) return refuse(call, 'channel missing');
      if (!str(args.thread_ts)) return refuse(call, 'thread_ts missing: streamed messages are replies');
      if (!channel.startsWith('D') && (!str(args.recipient_user_id) || !str(args.recipient_team_id))) {
        return refuse(call, 'recipient_user_id and recipient_team_id are required outside DMs');
      }
      if (checkMarkdown(args)) return refuse(call, 'markdown_text over 12,000 characters', 'msg_too_long');
      const ts = nextTs();
      streams.set(ts, { channel, open: true, text: str(args.markdown_text) ?? '' });
      return { ok: true, channel, ts };
    },
    'chat.appendStream': (args, call) => {
      const stream = streams.get(str(args.ts) ?? '');
      if (!stream || stream.channel !== args.channel)
        return refuse(call, 'unknown stream', 'message_not_found');
      if (!stream.open) return refuse(call, 'append to a stopped stream', 'message_not_in_streaming_state');
      if (!str(args.markdown_text) && !args.chunks) return refuse(call, 'markdown_text or chunks required');
      if (checkMarkdown(args)) return refuse(call, 'markdown_text over 12,000 characters', 'msg_too_long');
      stream.text += str(args.markdown_text) ?? '';
      return { ok: true, channel: stream.channel, ts: args.ts };
    },
    'chat.stopStream': (args, call) => {
      const stream = streams.get(str(args.ts) ?? '');
      if (!stream || stream.channel !== args.channel)
        return refuse(call, 'unknown stream', 'message_not_found');
      if (!stream.open) return refuse(call, 'stream already stopped', 'message_not_in_streaming_state');
      if (checkMarkdown(args)) return refuse(call, 'markdown_text over 12,000 characters', 'msg_too_long');
      const bad = checkBlocks(call, args.blocks);
      if (bad) return refuse(call, bad, 'invalid_blocks');
      stream.open = false;
      stream.text += str(args.markdown_text) ?? '';
      if (stream.text.length > 40_000)
        return refuse(call, 'streamed message over 40,000 characters', 'msg_too_long');
      return {
        ok: true,
        channel: stream.channel,
        ts: args.ts,
        message: { text: stream.text, blocks: args.blocks ?? [] },
      };
    },
    'chat.postMessage': (args, call) => {
      if (!str(args.channel)) return refuse(call, 'channel missing', 'channel_not_found');
      if (!str(args.text) && !args.blocks) return refuse(call, 'text or blocks required', 'no_text');
      if ((str(args.text)?.length ?? 0) > 40_000)
        return refuse(call, 'text over 40,000 characters', 'msg_too_long');
      const bad = checkBlocks(call, args.blocks);
      if (bad) return refuse(call, bad, 'invalid_blocks');
      const ts = nextTs();
      return {
        ok: true,
        channel: args.channel,
        ts,
        message: { text: args.text, blocks: args.blocks ?? [], ts },
      };
    },
    'chat.postEphemeral': (args, call) => {
      if (!str(args.channel) || !str(args.user)) return refuse(call, 'channel and user are required');
      if (!str(args.text) && !args.blocks) return refuse(call, 'text or blocks required', 'no_text');
      if ((str(args.text)?.length ?? 0) > 40_000)
        return refuse(call, 'text over 40,000 characters', 'msg_too_long');
      const bad = checkBlocks(call, args.blocks);
      if (bad) return refuse(call, bad, 'invalid_blocks');
      return { ok: true, message_ts: nextTs() };
    },
    'assistant.threads.setStatus': (args, call) =>
      str(args.channel_id) && str(args.thread_ts) && typeof args.status === 'string'
        ? { ok: true }
        : refuse(call, 'channel_id, thread_ts and status are required'),
    'assistant.threads.setSuggestedPrompts': (args, call) =>
      str(args.channel_id) && Array.isArray(args.prompts) && args.prompts.length <= 4
        ? { ok: true }
        : refuse(call, 'channel_id and at most 4 prompts are required'),
    'views.open': (args, call) => {
      if (!str(args.trigger_id) || typeof args.view !== 'object' || args.view === null) {
        return refuse(call, 'trigger_id and view are required');
      }
      return { ok: true, view: { id: `V${clock}`, ...(args.view as object) } };
    },
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const method = (request.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      const raw = Buffer.concat(chunks).toString('utf8');
      const args = parseArgs(raw, String(request.headers['content-type'] ?? ''));
      const auth = request.headers.authorization;
      const call: SlackCall = {
        method,
        args,
        token: auth?.startsWith('Bearer ')
          ? auth.slice(7)
          : typeof args.token === 'string'
            ? args.token
            : null,
        receivedAt: performance.now(),
      };
      calls.push(call);
      const send = (status: number, body: Record<string, unknown>) => {
        call.response = body;
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify(body));
      };
      const handler = handlers[method];
      if (request.method !== 'POST' || !request.url?.startsWith('/api/') || !handler) {
        unexpected.push(call);
        return send(404, { ok: false, error: 'unknown_method' });
      }
      const expected = method === 'apps.connections.open' ? options.appToken : token;
      if (expected === undefined || call.token !== expected) {
        return send(200, { ok: false, error: 'invalid_auth' });
      }
      const failure = failures.get(method);
      if (failure && failure.left > 0) {
        failure.left -= 1;
        return send(200, { ok: false, error: failure.error });
      }
      send(200, handler(args, call));
    });
  });
  server.on('upgrade', (request, socket, head) => {
    if (!options.appToken || !request.url?.startsWith('/link/')) {
      socket.destroy();
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    unexpected,
    violations,
    callsTo: (method) => calls.filter((c) => c.method === method),
    failNext(method, error, times = Number.POSITIVE_INFINITY) {
      failures.set(method, { error, left: times });
    },
    addUser(user) {
      users.set(user.id, user);
    },
    socket: {
      connected,
      acks,
      sendEvent(payload) {
        if (!live) throw new Error('fake Slack: no Socket Mode connection');
        envelopes += 1;
        const envelopeId = `fake-envelope-${envelopes}`;
        live.send(
          JSON.stringify({
            envelope_id: envelopeId,
            payload,
            type: 'events_api',
            accepts_response_payload: false,
            retry_attempt: 0,
            retry_reason: '',
          }),
        );
        return envelopeId;
      },
      async waitForAck(envelopeId, timeoutMs = 10_000) {
        const deadline = performance.now() + timeoutMs;
        while (!acks.includes(envelopeId)) {
          if (performance.now() > deadline) throw new Error(`fake Slack: ${envelopeId} was not acknowledged`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      },
    },
    async waitFor(done, timeoutMs = 10_000) {
      const deadline = performance.now() + timeoutMs;
      while (!done(calls)) {
        if (performance.now() > deadline) {
          throw new Error(
            `fake Slack: expected calls did not arrive in ${timeoutMs} ms; saw ${JSON.stringify(calls.map((c) => c.method))}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    reset() {
      calls.length = 0;
      unexpected.length = 0;
      violations.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return { _unparsable: raw };
    }
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.has(key)) {
      try {
        args[key] = JSON.parse(value);
        continue;
      } catch {
        // kept as text: Slack would refuse it, and the test sees why
      }
    }
    args[key] = value;
  }
  return args;
}
