// npm's postinstall: says once which Node runs ex-GPT. Plain JavaScript, because it may run on the
// machine's older Node when the `node` package could not install Node 24.
import { execFileSync } from 'node:child_process';

const major = Number(process.versions.node.split('.')[0]);
let shell = '';
try {
  // The Node that runs npm itself: what `node` means in the user's shell.
  shell = process.env.npm_node_execpath
    ? execFileSync(process.env.npm_node_execpath, ['--version'], { encoding: 'utf8' }).trim()
    : '';
} catch {
  shell = '';
}

if (major < 24) {
  console.log(
    `ex-GPT needs Node 24, and node_modules/.bin/node did not install (this is ${process.version}). ` +
      'Re-run npm install without --ignore-scripts, or install Node 24.',
  );
} else if (shell && shell !== process.version) {
  console.log(
    `ex-GPT runs on Node ${process.version}, installed into node_modules by npm install: npm start, npm test ` +
      `and every npm run command use it. Your shell's node is ${shell}; to run a file yourself, use npx node, ` +
      'e.g. npx node bot/main.ts.',
  );
} else {
  console.log(`ex-GPT runs on Node ${process.version}.`);
}
