// The store behind `switchyard serve`, with real processes on 127.0.0.1 and a throwaway PostgreSQL 15
// cluster (initdb + pg_ctl; as the postgres user when run as root):
//   1. rollbacks across replicas: two servers (`--store postgres://… --replica a|b`), K SSE clients on
//      each; R times POST /v1/rollbacks to A, then DELETE /v1/rollbacks/FLAG to A or B in turn — the
//      time until every client of each replica has the document with the rollback made / lifted;
//   2. the audit write on the reload path: file edit (atomic rename) → K SSE clients, the same edit side
//      by side for `--store memory`, the embedded store (`--data DIR`) and `--store postgres://…`.
// Run: `node store.bench.mjs` from benchmarks/ after building (STORE_CLIENTS=K, STORE_ROUNDS=R).
import esbuild from 'esbuild';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServe } from './serve.mjs';
import { writeSection } from './report.mjs';
import { quantile } from './stats.mjs';

const K = Number(process.env.STORE_CLIENTS ?? 50);
const R = Number(process.env.STORE_ROUNDS ?? 30);
const FLAG = 'kill-switch-payments';
const doc = JSON.parse(readFileSync(new URL('../examples/flags.json', import.meta.url), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'switchyard-store-bench-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// startPostgres() from the tests' helpers, bundled from TypeScript on the fly.
const helper = join(tmp, 'postgres.mjs');
await esbuild.build({ entryPoints: [fileURLToPath(new URL('../packages/test-utils/src/postgres.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile: helper, logLevel: 'warning' });
const { startPostgres } = await import(pathToFileURL(helper).href);

const write = (file, variant) => {
  const next = structuredClone(doc);
  next.flags[FLAG].defaultVariant = variant;
  writeFileSync(`${file}.tmp`, JSON.stringify(next));
  renameSync(`${file}.tmp`, file); // atomic, as editors and deploy tools write
};

const servers = [];
/** A server on its own copy of the flag file and its own data directory. */
async function server(name, args) {
  const dir = mkdtempSync(join(tmp, `${name}-`));
  const file = join(dir, 'flags.json');
  write(file, 'on');
  const s = { name, file, ...(await startServe([file, '--data', join(dir, 'data'), ...args])) };
  servers.push(s);
  return s;
}

// A minimal SSE reader: every `snapshot` or `change` document goes to `arrived`, timed on arrival.
const sockets = [];
let round;
function arrived(client, document) {
  if (!round?.waiting.has(client) || !round.test(document)) return;
  round.waiting.delete(client);
  round.ms.set(client, performance.now() - round.t0);
  if (round.waiting.size === 0) round.resolve();
}
function connect(s) {
  return new Promise((resolve, reject) => {
    const client = { server: s };
    const req = http.get(`${s.url}/v1/stream`, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET /v1/stream on ${s.name}: ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffer += chunk;
        for (let end; (end = buffer.indexOf('\n\n')) !== -1; buffer = buffer.slice(end + 2)) {
          const block = buffer.slice(0, end);
          if (!/^event: (snapshot|change)$/m.test(block)) continue; // heartbeats, retry:, comments
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          arrived(client, JSON.parse(data).document);
          resolve(client); // connected: the first snapshot is here
        }
      });
    });
    req.on('error', reject);
    sockets.push(req);
  });
}
const clientsOf = (s) => Promise.all(Array.from({ length: K }, () => connect(s)));

/** Runs `act` and waits until every client's document passes `test`: ms per client, and `act`'s own result. */
async function measure(clients, test, act) {
  let timer;
  const all = new Promise((resolve, reject) => {
    round = { t0: performance.now(), test, waiting: new Set(clients), ms: new Map(), resolve };
    timer = setTimeout(() => reject(new Error(`${round.waiting.size} of ${clients.length} clients never saw it`)), 15_000);
  });
  try {
    const [answer] = await Promise.all([act(), all]);
    return { ms: round.ms, answer };
  } finally {
    clearTimeout(timer);
    round = undefined;
  }
}

const stats = (xs) => ({ p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: Math.max(...xs), samples: xs.length });
const ms = (x) => `${x.toFixed(1)} ms`;
const rolledBack = (d) => d.flags[FLAG]?.metadata?.rolledBack !== undefined;
async function request(s, method, path, body) {
  const t0 = performance.now();
  const res = await fetch(`${s.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path} on ${s.name}: ${res.status} ${await res.text()}`);
  return { ms: performance.now() - t0, body: await res.json() };
}

const pg = await startPostgres();
try {
  // 1. Rollbacks across two replicas sharing the PostgreSQL server.
  const a = await server('a', ['--store', pg.url, '--replica', 'a']);
  const b = await server('b', ['--store', pg.url, '--replica', 'b']);
  const clients = [...(await clientsOf(a)), ...(await clientsOf(b))];
  const samples = { rollbackA: [], rollbackB: [], liftHere: [], liftThere: [], answer: [] };
  let unpersisted = 0;
  for (let i = 0; i < R; i++) {
    const made = await measure(clients, rolledBack, () => request(a, 'POST', '/v1/rollbacks', { flag: FLAG, variant: 'off', reason: 'bench' }));
    for (const [c, t] of made.ms) samples[c.server === a ? 'rollbackA' : 'rollbackB'].push(t);
    samples.answer.push(made.answer.ms);
    if (made.answer.body.rollback.persisted === false) unpersisted++;
    await sleep(100 + Math.random() * 200);
    const lifter = i % 2 === 0 ? a : b;
    const lifted = await measure(clients, (d) => !rolledBack(d), () => request(lifter, 'DELETE', `/v1/rollbacks/${FLAG}`));
    for (const [c, t] of lifted.ms) samples[c.server === lifter ? 'liftHere' : 'liftThere'].push(t);
    await sleep(100 + Math.random() * 200);
  }
  const replicas = [
    ['rollback (POST to A) → clients of A', stats(samples.rollbackA)],
    ['rollback (POST to A) → clients of B', stats(samples.rollbackB)],
    ['lift (DELETE to A or B in turn) → clients of the replica lifting', stats(samples.liftHere)],
    ['lift (DELETE to A or B in turn) → clients of the other replica', stats(samples.liftThere)],
    ['POST /v1/rollbacks answered (waits for the store, ≤ 2 s)', stats(samples.answer)],
  ];
  for (const [what, r] of replicas) console.log(`${what}: p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)} (${r.samples} samples)`);
  for (const s of servers.splice(0)) await s.stop();
  for (const req of sockets.splice(0)) req.destroy();

  // 2. File edit → clients, side by side for each store; the order rotates every round.
  const stores = [await server('memory', ['--store', 'memory']), await server('embedded', []), await server('postgres', ['--store', pg.url, '--replica', 'c'])];
  const clientsByStore = new Map();
  for (const s of stores) clientsByStore.set(s, await clientsOf(s));
  const edits = new Map(stores.map((s) => [s, []]));
  for (let i = 0; i <= R; i++) {
    const variant = i % 2 === 0 ? 'off' : 'on';
    for (let j = 0; j < stores.length; j++) {
      const s = stores[(i + j) % stores.length];
      const { ms: times } = await measure(clientsByStore.get(s), (d) => d.flags[FLAG].defaultVariant === variant, async () => write(s.file, variant));
      if (i > 0) edits.get(s).push(...times.values()); // round 0 warms up
      await sleep(100 + Math.random() * 200);
    }
  }
  const memory = stats(edits.get(stores[0]));
  const reloads = stores.map((s) => [s.name, stats(edits.get(s))]);
  for (const [name, r] of reloads) console.log(`edit → clients, ${name}: p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)} (${(r.p50 / memory.p50).toFixed(2)}× memory at p50)`);

  await writeSection('store', [
    `Measured ${new Date().toISOString().slice(0, 10)} on Node ${process.version}, loopback, PostgreSQL 15 (a throwaway local cluster). Every server is the real \`switchyard serve\` in its own process with ${K} SSE clients (\`GET /v1/stream\`) in this one; times run from the request (or the file's rename) to the event's arrival at each client. Percentiles over every client × round. \`node store.bench.mjs\` (STORE_CLIENTS=${K}, STORE_ROUNDS=${R}).`,
    '',
    `Rollbacks across two replicas (\`--store postgres://… --replica a|b\`, one flag file each, same content), ${R} rollbacks of \`${FLAG}\` to \`off\` POSTed to A, each lifted by a DELETE to A or B in turn; done = every client's document shows \`metadata.rolledBack\` (made) or not (lifted):`,
    '',
    '| measurement | p50 | p99 | max |',
    '|---|---:|---:|---:|',
    ...replicas.map(([what, r]) => `| ${what} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} |`),
    '',
    `${unpersisted} of ${R} rollbacks were answered \`persisted: false\`. The other replica takes a change in through the store: the write, \`NOTIFY\`, and its read of the rollbacks.`,
    '',
    `File edit → every client (atomic rename flipping \`${FLAG}\`), ${R} edits per store after one warm-up, the three servers edited in turn (order rotating):`,
    '',
    '| store | p50 | p99 | max | p50 ÷ memory | p99 ÷ memory |',
    '|---|---:|---:|---:|---:|---:|',
    ...reloads.map(([name, r]) => `| ${{ memory: '`--store memory`', embedded: 'embedded (`--data DIR`)', postgres: '`--store postgres://…`' }[name]} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${(r.p50 / memory.p50).toFixed(2)}× | ${(r.p99 / memory.p99).toFixed(2)}× |`),
    '',
    `A reload queues its audit entry (with PostgreSQL also appended to the replica's journal file) before the event goes out, and the database writes it afterwards. Over memory at p50: embedded ${(reloads[1][1].p50 - memory.p50).toFixed(1)} ms, PostgreSQL ${(reloads[2][1].p50 - memory.p50).toFixed(1)} ms.`,
  ].join('\n'), { clients: K, rounds: R, unpersisted, replicas: Object.fromEntries(replicas), reloads: Object.fromEntries(reloads) });
} finally {
  for (const req of sockets) req.destroy();
  await Promise.all(servers.map((s) => s.stop()));
  await pg.stop();
  rmSync(tmp, { recursive: true, force: true });
}
