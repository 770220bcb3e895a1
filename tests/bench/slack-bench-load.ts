/**
 * The Slack bench's other side, in a worker thread so that its clock and sockets are not held up by the
 * web process's work: the fake Slack Web API, and the load generator that sends signed events and times
 * the ack and the arrival of each answer's first streamed text on one clock.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { signSlackRequest } from '../../bot/slack/slack-signature.ts';
import { startFakeSlack } from '../fakes/slack-api.ts';

export interface LoadSetup {
  readonly secret: string;
  readonly token: string;
  readonly people: readonly { id: string; email: string }[];
  readonly template: string;
}

export type LoadMessage =
  | { readonly type: 'ready'; readonly slackUrl: string }
  | { readonly type: 'round'; readonly acks: number[]; readonly firstTexts: number[] }
  | { readonly type: 'failed'; readonly message: string };

const setup = workerData as LoadSetup;
const port = parentPort!;
const slack = await startFakeSlack({
  token: setup.token,
  botUserId: 'W111',
  teamId: 'T111',
  users: setup.people,
});
const template = JSON.parse(setup.template) as { event: Record<string, unknown> } & Record<string, unknown>;
let sequence = 0;
let eventsUrl = '';

async function sendMention(user: string): Promise<{ ackMs: number; firstTextMs: number }> {
  sequence += 1;
  const ts = `1800000000.${String(sequence).padStart(6, '0')}`;
  const body = JSON.stringify({
    ...template,
    event_id: `EvBench${sequence}`,
    event: { ...template.event, user, ts, event_ts: ts, text: '<@W111> How many vacation days do I get?' },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const started = performance.now();
  const response = await fetch(eventsUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signSlackRequest(setup.secret, timestamp, body),
    },
    body,
  });
  await response.arrayBuffer();
  const ackMs = performance.now() - started;
  if (response.status !== 200) throw new Error(`ack ${response.status}`);
  const isFirstText = (c: { method: string; args: Record<string, unknown> }) =>
    c.method === 'chat.startStream' && c.args.thread_ts === ts;
  await slack.waitFor((calls) => calls.some(isFirstText), 60_000);
  return { ackMs, firstTextMs: slack.calls.find(isFirstText)!.receivedAt - started };
}

port.on(
  'message',
  async (message: { type: 'start'; eventsUrl: string } | { type: 'round' } | { type: 'close' }) => {
    try {
      if (message.type === 'start') eventsUrl = message.eventsUrl;
      else if (message.type === 'round') {
        const before = slack.callsTo('chat.stopStream').length;
        const results = await Promise.all(setup.people.map((p) => sendMention(p.id)));
        // The next round starts once every answer of this one has finished.
        await slack.waitFor(
          (calls) => calls.filter((c) => c.method === 'chat.stopStream').length >= before + results.length,
          60_000,
        );
        port.postMessage({
          type: 'round',
          acks: results.map((r) => r.ackMs),
          firstTexts: results.map((r) => r.firstTextMs),
        } satisfies LoadMessage);
      } else {
        await slack.close();
        port.close();
      }
    } catch (error) {
      port.postMessage({
        type: 'failed',
        message: error instanceof Error ? error.message : String(error),
      } satisfies LoadMessage);
    }
  },
);
port.postMessage({ type: 'ready', slackUrl: slack.url } satisfies LoadMessage);
