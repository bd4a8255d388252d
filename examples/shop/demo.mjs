// `npm start`: copies flags.json to a working file, starts the shop and `switchyard serve` on that file,
// prints where to look and what to edit, and stops both cleanly on Ctrl-C.
//   SHOP_PORT (3000), SWITCHYARD_PORT (8013), SHOP_FLAGS_FILE (examples/shop/flags.live.json)
import { spawn } from 'node:child_process';
import { copyFile, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startShop } from './shop.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = fileURLToPath(new URL('../../packages/cli/bin/switchyard.js', import.meta.url));
const flagsFile = process.env.SHOP_FLAGS_FILE ?? `${here}flags.live.json`;
const port = (name, fallback) => Number(process.env[name] ?? fallback);

/** Starts `switchyard serve` on the working file, allowing the shop's page to call it, and waits for its URL. */
function serve(shopUrl) {
  const child = spawn(process.execPath, [cli, 'serve', flagsFile, '--port', String(port('SWITCHYARD_PORT', 8013)), '--cors', shopUrl, '--data', `${here}.switchyard`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      process.stdout.write(`[switchyard serve] ${line}\n`);
      const match = line.match(/listening on (http:\/\/[\d.:]+)/);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`switchyard serve exited (${code})`)));
  });
  return { child, url };
}

await copyFile(`${here}flags.json`, flagsFile); // every demo starts from the same flags
await rm(`${here}.switchyard`, { recursive: true, force: true }); // and without the last run's rollbacks
const shop = await startShop({ port: port('SHOP_PORT', 3000), flagsFile }).catch((e) => {
  console.error(`demo: ${e.message}`);
  process.exit(1);
});
const server = serve(shop.url);
let stopping = false;
const serveExited = new Promise((resolve) => server.child.once('exit', resolve));
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  server.child.kill('SIGTERM');
  await Promise.all([shop.close(), serveExited]);
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
// Ctrl-C in a terminal signals the whole process group, so serve may stop first: that is a clean stop too.
server.child.on('exit', (code, signal) => void stop(code === 0 || signal ? 0 : 1));

await shop.connect(await server.url);
console.log(`
  Switchyard demo

  Shop:        ${shop.url}      <- open this in a browser
  Flags:       ${await server.url}/v1/flags   (switchyard serve, streaming over SSE)

  Use the buttons on the page, or edit ${flagsFile} by hand and save:
    checkout-enabled  "defaultVariant": "off"                       kill switch: checkout pauses everywhere
    new-checkout      "fractional": [["on", 50], ["off", 50]]        rollout: the "on" share of shoppers
    internal-preview  the ends_with rule                             who counts as internal
  A broken edit is rejected whole (see this log); the last good flags keep serving.
  "Break the new checkout" with simulated shoppers running: the guard rolls new-checkout back by itself.

  Ctrl-C stops everything.
`);
