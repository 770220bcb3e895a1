/** `npm run build:console` (always) and `npm start`'s prestart (`--if-stale`): builds admin/web. */
import { buildConsole, consoleBuildReason } from '../console-build.ts';

const ifStale = process.argv.includes('--if-stale');
const reason = ifStale ? consoleBuildReason() : 'requested';
if (reason) {
  const started = performance.now();
  process.stdout.write(`Building the admin console (${reason})…\n`);
  await buildConsole();
  process.stdout.write(`Admin console built in ${((performance.now() - started) / 1000).toFixed(1)} s.\n`);
}
