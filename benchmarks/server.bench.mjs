// Load on the real `switchyard serve` over loopback, bounded in time:
//   1. conditional GET throughput (304s) and full GET throughput (200s), autocannon, 10 s each;
//   2. 1,000 concurrent SSE clients, then N file edits: the time from each edit (atomic rename) to
//      every client receiving its `change` event — p50/p99/max over all clients and edits.
// The server runs in its own process (as in production); clients run here.
import autocannon from 'autocannon';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from './serve.mjs';
import { writeSection } from './report.mjs';
import { quantile } from './stats.mjs';

const CLIENTS = Number(process.env.SSE_CLIENTS ?? 1000);
const EDITS = Number(process.env.SSE_EDITS ?? 10);
const DURATION = Number(process.env.LOAD_SECONDS ?? 10);

const dir = mkdtempSync(join(tmpdir(), 'switchyard-load-'));
const file = join(dir, 'flags.json');
const doc = JSON.parse(readFileSync(new URL('../examples/flags.json', import.meta.url), 'utf8'));
const write = (d) => {
  writeFileSync(`${file}.tmp`, JSON.stringify(d));
  renameSync(`${file}.tmp`, file);
};
write(doc);
// With keys, as in production: every request pays for the key lookup.
const KEY = 'bench-server-key-0123456789';
writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [{ key: KEY, environment: 'default', scope: 'server' }] }));
const auth = { authorization: `Bearer ${KEY}` };

const { url, stop } = await startServe([file, '--keys', join(dir, 'keys.json')]);

try {
  const etag = (await fetch(`${url}/v1/flags`, { headers: auth })).headers.get('etag');
  const run = (headers) => autocannon({ url: `${url}/v1/flags`, connections: 64, duration: DURATION, headers: { ...auth, ...headers } });
  const notModified = await run({ 'if-none-match': etag });
  const full = await run({});
  // Every response must be what we claim to measure.
  if (notModified['3xx'] !== notModified.requests.total || notModified.errors) throw new Error(`expected only 304s: ${JSON.stringify(notModified.statusCodeStats)}`);
  if (full['2xx'] !== full.requests.total || full.errors) throw new Error(`expected only 200s: ${JSON.stringify(full.statusCodeStats)}`);
  const throughput = {
    notModified: { rps: notModified.requests.average, p99ms: notModified.latency.p99, total: notModified.requests.total },
    full: { rps: full.requests.average, p99ms: full.latency.p99, total: full.requests.total },
  };
  console.log(`304s: ${throughput.notModified.rps.toFixed(0)} req/s (p99 ${throughput.notModified.p99ms} ms); 200s: ${throughput.full.rps.toFixed(0)} req/s`);

  // 1,000 SSE clients, each recording when it sees each version.
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const seen = []; // seen[client] = Map<version, ms>
  let connected = 0;
  const requests = [];
  for (let i = 0; i < CLIENTS; i++) {
    const arrivals = new Map();
    seen.push(arrivals);
    const req = http.get(`${url}/v1/stream`, { agent, headers: { accept: 'text/event-stream', ...auth } }, (res) => {
      connected++;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) arrivals.set(JSON.parse(data.slice(6, data.indexOf(',"document"')) + '}').version, performance.now());
        }
      });
    });
    requests.push(req);
  }
  const deadline = Date.now() + 30_000;
  while (connected < CLIENTS || seen.some((s) => !s.has(1))) {
    if (Date.now() > deadline) throw new Error(`only ${connected} of ${CLIENTS} streams connected`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const metrics = await (await fetch(`${url}/metrics`)).text(); // no key needed
  const gauge = Number(metrics.match(/switchyard_sse_connections\{environment="default",scope="server"\} (\d+)/)[1]);

  const latencies = [];
  for (let edit = 0; edit < EDITS; edit++) {
    const version = edit + 2;
    doc.flags['kill-switch-payments'].defaultVariant = edit % 2 === 0 ? 'off' : 'on';
    const t0 = performance.now();
    write(doc);
    const until = Date.now() + 10_000;
    while (seen.some((s) => !s.has(version))) {
      if (Date.now() > until) throw new Error(`edit ${edit}: ${seen.filter((s) => !s.has(version)).length} clients never saw v${version}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const s of seen) latencies.push(s.get(version) - t0);
    await new Promise((r) => setTimeout(r, 200));
  }
  const propagation = { clients: CLIENTS, connectedPerServer: gauge, edits: EDITS, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: Math.max(...latencies) };
  console.log(`SSE: ${gauge} streams; edit → last client: p50 ${propagation.p50.toFixed(1)} ms, p99 ${propagation.p99.toFixed(1)} ms, max ${propagation.max.toFixed(1)} ms`);
  for (const r of requests) r.destroy();
  agent.destroy();

  const results = { node: process.version, date: new Date().toISOString(), durationSeconds: DURATION, throughput, propagation };
  await writeSection('server', render(results), results);
} finally {
  stop();
}

function render({ date, node, durationSeconds, throughput, propagation }) {
  return [
    `Measured ${date.slice(0, 10)} on Node ${node}, 2 cores, loopback; server (\`switchyard serve examples/flags.json --keys …\`, every request authenticated with a server key) in its own process, load from this one.`,
    '',
    '| measurement | result | target |',
    '|---|---:|---:|',
    `| \`GET /v1/flags\` with matching \`If-None-Match\` (304), 64 connections, ${durationSeconds} s | **${throughput.notModified.rps.toFixed(0)} req/s** (p99 ${throughput.notModified.p99ms} ms) | ≥ 10,000 req/s |`,
    `| \`GET /v1/flags\` full body (200), 64 connections, ${durationSeconds} s | ${throughput.full.rps.toFixed(0)} req/s (p99 ${throughput.full.p99ms} ms) | — |`,
    `| concurrent SSE streams held (server's own gauge) | **${propagation.connectedPerServer}** | 1,000 |`,
    `| file edit → each of ${propagation.clients} streams receives the change, over ${propagation.edits} edits: p50 / p99 / max | **${propagation.p50.toFixed(1)} / ${propagation.p99.toFixed(1)} / ${propagation.max.toFixed(1)} ms** | p99 ≤ 500 ms |`,
    '',
    'Propagation includes the file watcher (inotify on the directory, 30 ms debounce, stable-read check), validation, diff, and writing one pre-serialised event to every stream.',
  ].join('\n');
}
