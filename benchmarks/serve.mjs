// Starts the real `switchyard serve` in its own process (as in production) and waits for its banner.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../packages/cli/bin/switchyard.js', import.meta.url));

/**
 * `args` as `switchyard serve` takes them; without `--store` or `--data` the state lives in the process
 * (`memory`), with `--data` alone in the embedded store there. `stop()` resolves once the process exited.
 * With `onOutput(stream, text)` the server's stdout (info) and stderr (warnings, errors) go there instead
 * of this process's stderr (the banner is still awaited).
 */
export async function startServe(args, { onOutput } = {}) {
  const store = args.includes('--store') || args.includes('--data') ? [] : ['--store', 'memory'];
  const child = spawn(process.execPath, [BIN, 'serve', ...args, ...store, '--port', '0'], { stdio: ['ignore', 'pipe', onOutput ? 'pipe' : 'inherit'] });
  child.stderr?.on('data', (d) => onOutput('stderr', String(d)));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      onOutput?.('stdout', String(d));
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.:]+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`switchyard serve exited: ${out}`)));
    setTimeout(() => reject(new Error('switchyard serve did not start within 10 s')), 10_000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { url, stop: () => (child.kill('SIGTERM'), exited) };
}
