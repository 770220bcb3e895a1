/**
 * npm run slack:bind -- <channel-id> <collection>… [--team T0123] [--reply-mode mention|all] [--name "#help"]
 * Binds a chat channel to the collections its answers may search (replacing earlier ones), audited.
 * It writes to the database itself: with the embedded database stop the server first (one process per
 * data directory), or bind in the console / with the admin API's `bindChannel` mutation instead.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PLATFORMS, type Platform, quoteUnknown } from '#core';
import { appendAuditEvent, bindChannel, openDatabase, resolveCollectionRefs } from '#db';
import { readServerInfo } from '../data-dir.ts';
import { fail, loadCliConfig } from './connect.ts';

const USAGE =
  'Usage: npm run slack:bind -- <channel-id> <collection>… [--team T0123] [--reply-mode mention|all] [--name "#help"]\n' +
  '       (Teams: add --platform teams; the channel id is the conversation id)';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      platform: { type: 'string', default: 'slack' },
      team: { type: 'string' },
      'reply-mode': { type: 'string', default: 'mention' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [channelId, ...collectionNames] = positionals;
  if (values.help || !channelId || collectionNames.length === 0) fail(USAGE);
  const platform = values.platform as Platform;
  if (!PLATFORMS.includes(platform)) fail(`--platform must be one of ${PLATFORMS.join(', ')}`);
  const replyMode = values['reply-mode'];
  if (replyMode !== 'mention' && replyMode !== 'all') fail('--reply-mode must be "mention" or "all"');

  const config = loadCliConfig();
  const dataDir = path.resolve(config.DATA_DIR);
  const server = config.DATABASE_URL ? null : readServerInfo(dataDir);
  if (server) {
    fail(
      `An ex-GPT server (pid ${server.pid}) is using ${dataDir}, and the embedded database allows one process.\n` +
        'Stop it, bind, and start it again — or bind in the console (Channels) or with the bindChannel mutation.',
    );
  }
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir, poolSize: 2 });
  try {
    const { ids, unknown } = await resolveCollectionRefs(database.db, collectionNames);
    if (unknown.length > 0)
      fail(`Unknown collection: ${quoteUnknown(unknown)} (create it by ingesting into it first).`);
    const workspaceId = values.team?.trim() ?? '';
    await database.db.transaction(async (tx) => {
      const { channelId: id } = await bindChannel(tx, {
        platform,
        workspaceId,
        channelId,
        ...(values.name ? { name: values.name } : {}),
        collectionIds: ids,
        replyMode,
      });
      await appendAuditEvent(tx, {
        actorId: null,
        actorLabel: 'cli',
        action: 'channel.bind',
        targetType: 'channel',
        targetId: id,
        data: {
          platform,
          workspaceId,
          channelId,
          replyMode,
          collections: [...collectionNames].sort(),
          via: 'cli',
        },
      });
    });
    process.stdout.write(
      `Bound ${platform} channel ${channelId}${workspaceId ? ` (workspace ${workspaceId})` : ''} to ${collectionNames.join(', ')}; ` +
        `reply mode: ${replyMode === 'all' ? 'follow-ups in answered threads need no mention' : 'mention needed'}.\n`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) =>
  fail(`slack:bind failed: ${error instanceof Error ? error.message : String(error)}`),
);
