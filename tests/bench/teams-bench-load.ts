/**
 * The Teams bench's other side, in a worker thread so that its clock and sockets are not held up by the
 * web process's work: the fake Bot Framework (connector and token issuer), and the load generator that
 * sends signed personal-chat messages and times the 200 and the arrival of each chat's first streamed update.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type FakeTeamsMember, startFakeBotConnector } from '../fakes/bot-connector.ts';

export interface TeamsLoadSetup {
  readonly appId: string;
  readonly outboundToken: string;
  readonly people: readonly FakeTeamsMember[];
  readonly template: Record<string, unknown>;
}

export type TeamsLoadMessage =
  | { readonly type: 'ready'; readonly serviceUrl: string; readonly openIdMetadataUrl: string }
  | { readonly type: 'round'; readonly acks: number[]; readonly firstUpdates: number[] }
  | { readonly type: 'failed'; readonly message: string };

const setup = workerData as TeamsLoadSetup;
const port = parentPort!;
const connector = await startFakeBotConnector({ members: setup.people, outboundToken: setup.outboundToken });
const token = await connector.token(setup.appId);
let sequence = 0;
let messagesUrl = '';

async function sendMessage(
  person: FakeTeamsMember,
  index: number,
): Promise<{ ackMs: number; firstMs: number }> {
  sequence += 1;
  const conversationId = `a:bench-chat-${index}`;
  const template = setup.template;
  const body = JSON.stringify({
    ...template,
    id: `bench-${sequence}`,
    serviceUrl: connector.url,
    text: 'How many vacation days do I get?',
    from: { id: person.id, aadObjectId: person.aadObjectId, name: person.name },
    conversation: { ...(template.conversation as object), id: conversationId },
  });
  const before = connector.sent.length;
  const started = performance.now();
  const response = await fetch(messagesUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  await response.arrayBuffer();
  const ackMs = performance.now() - started;
  if (response.status !== 200) throw new Error(`activity answered ${response.status}`);
  const isFirst = (s: (typeof connector.sent)[number]) =>
    s.conversationId === conversationId && s.activity.type === 'typing';
  await connector.waitFor((sent) => sent.slice(before).some(isFirst), 60_000);
  const first = connector.sent.slice(before).find(isFirst)!;
  return { ackMs, firstMs: first.receivedAt - started };
}

port.on(
  'message',
  async (message: { type: 'start'; messagesUrl: string } | { type: 'round' } | { type: 'close' }) => {
    try {
      if (message.type === 'start') messagesUrl = message.messagesUrl;
      else if (message.type === 'round') {
        const finals = () => connector.messages().length;
        const before = finals();
        const results = await Promise.all(setup.people.map((p, i) => sendMessage(p, i)));
        // The next round starts once every answer of this one has been finished.
        await connector.waitFor(() => finals() >= before + results.length, 60_000);
        if (connector.violations.length > 0) throw new Error(connector.violations[0]);
        port.postMessage({
          type: 'round',
          acks: results.map((r) => r.ackMs),
          firstUpdates: results.map((r) => r.firstMs),
        } satisfies TeamsLoadMessage);
      } else {
        await connector.close();
        port.close();
      }
    } catch (error) {
      port.postMessage({
        type: 'failed',
        message: error instanceof Error ? error.message : String(error),
      } satisfies TeamsLoadMessage);
    }
  },
);
port.postMessage({
  type: 'ready',
  serviceUrl: connector.url,
  openIdMetadataUrl: connector.openIdMetadataUrl,
} satisfies TeamsLoadMessage);
