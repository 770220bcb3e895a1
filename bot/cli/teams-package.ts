/**
 * npm run teams:package [-- --out dist/teams --version 1.0.0]
 * Builds the Teams app package (manifest.json, color.png, outline.png) for MICROSOFT_APP_ID into
 * dist/teams/ex-gpt-teams.zip, to upload in Teams (Apps › Manage your apps › Upload an app) or to the
 * organisation's app catalog in the Teams admin center.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { teamsAppPackage } from '../teams/teams-package.ts';
import { fail, loadCliConfig } from './connect.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: path.join('dist', 'teams') },
    version: { type: 'string', default: '1.0.0' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) fail('Usage: npm run teams:package -- [--out dist/teams] [--version 1.0.0]');
if (!/^\d+\.\d+\.\d+$/.test(values.version)) fail('--version must look like 1.0.0');
const config = loadCliConfig();
if (!config.MICROSOFT_APP_ID)
  fail('Set MICROSOFT_APP_ID (your Azure Bot’s Microsoft App ID) to build the Teams package.');
// Teams rejects the upload later, with a vaguer message, when either of these is wrong.
if (!GUID.test(config.MICROSOFT_APP_ID))
  fail(
    `MICROSOFT_APP_ID must be the Azure Bot's Microsoft App ID, a GUID like 0b6fe6d1-fece-44f7-9a48-56465e2d5ab8 (got "${config.MICROSOFT_APP_ID}").`,
  );
if (!config.PUBLIC_URL?.startsWith('https://'))
  fail(
    'Set PUBLIC_URL to ex-GPT’s public https address (e.g. https://exgpt.example.com): the package names it as the app’s website and allowed domain.',
  );
const out = path.resolve(values.out);
mkdirSync(out, { recursive: true });
const file = path.join(out, 'ex-gpt-teams.zip');
writeFileSync(
  file,
  teamsAppPackage({ appId: config.MICROSOFT_APP_ID, version: values.version, publicUrl: config.PUBLIC_URL }),
);
process.stdout.write(`Teams app package: ${file}\n`);
