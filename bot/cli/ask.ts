/**
 * npm run ask -- "question" [--collection NAME]…
 * Streams the answer, then lists its sources.
 */
import { parseArgs } from 'node:util';
import { quoteUnknown, type Source } from '#core';
import { resolveCollectionRefs } from '#db';
import { sourceLocation, translatorFor } from '#i18n';
import { callApi, connect, fail } from './connect.ts';

/** What the CLI prints: the same shape whether it came over REST or from the local engine. */
interface AskResult {
  readonly answer: string;
  readonly answered: boolean;
  readonly sources: readonly (Pick<Source, 'n' | 'title' | 'section' | 'url'> & {
    readonly page?: number | null;
  })[];
}

const USAGE = 'Usage: npm run ask -- "your question" [--collection NAME]';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      collection: { type: 'string', short: 'c', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const question = positionals.join(' ').trim();
  if (values.help || !question) fail(USAGE);
  const collections = values.collection?.map((c) => c.trim()).filter(Boolean);

  const connection = await connect();
  const out = process.stdout;
  let result: AskResult;
  if (connection.mode === 'remote') {
    const response = await callApi(connection, '/api/v1/ask', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ question, ...(collections?.length ? { collections } : {}) }),
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      fail(body?.error?.message ?? `HTTP ${response.status}`);
    }
    result = await readEventStream(response, (text) => out.write(text));
  } else {
    const db = connection.engine.database.db;
    let collectionIds: string[] | undefined;
    if (collections?.length) {
      const { ids, unknown } = await resolveCollectionRefs(db, collections);
      if (unknown.length) fail(`Unknown collection: ${quoteUnknown(unknown)}`);
      collectionIds = ids;
    }
    let done: AskResult | null = null;
    for await (const event of connection.engine.ask.stream({
      principal: connection.principal,
      question,
      conversation: { platform: 'cli', channelId: null, threadId: null },
      scope: { userId: connection.principal.userId, ...(collectionIds ? { collectionIds } : {}) },
    })) {
      if (event.type === 'delta') out.write(event.text);
      else if (event.type === 'done') done = event.result;
    }
    await connection.close();
    if (!done) fail('The answer ended unexpectedly.');
    result = done;
  }
  out.write('\n');
  if (result.sources.length > 0) {
    // The terminal's language (LANG=ko_KR.UTF-8 gives "3쪽"), else English.
    const tr = translatorFor([process.env.LC_ALL, process.env.LC_MESSAGES, process.env.LANG]);
    out.write(`\n${tr.t('chat.answer.sources')}:\n`);
    for (const s of result.sources) {
      const where = sourceLocation({ section: s.section, page: s.page ?? null }, tr);
      out.write(`  [${s.n}] ${s.title}${where ? ` › ${where}` : ''}${s.url ? `  ${s.url}` : ''}\n`);
    }
  }
  process.exitCode = result.answered ? 0 : 3;
}

async function readEventStream(response: Response, onText: (text: string) => void): Promise<AskResult> {
  const decoder = new TextDecoder();
  let buffer = '';
  let result: AskResult | null = null;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.+)$/m.exec(frame)?.[1];
      const data = /^data: (.+)$/m.exec(frame)?.[1];
      if (event && data) {
        const payload = JSON.parse(data) as Record<string, unknown>;
        if (event === 'delta') onText(String(payload.text));
        else if (event === 'done') result = payload as unknown as AskResult;
        else if (event === 'error') fail(`\n${String(payload.message)}`);
      }
      end = buffer.indexOf('\n\n');
    }
  }
  if (!result) fail('The answer ended unexpectedly.');
  return result;
}

main().catch((error: unknown) => fail(`Ask failed: ${(error as Error).message}`));
