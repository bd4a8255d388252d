// Fleet-wide guarded rollouts, end to end: MTTR from a failure appearing in the treatment to every
// instance of the fleet serving control, on real processes on 127.0.0.1.
//
// The server is the real `switchyard serve` (open: no keys, loopback) in its own process, once with the
// embedded store (`--data DIR`) and once with PostgreSQL 15 (`--store postgres://… --data DIR`; a
// throwaway local cluster, as in store.bench.mjs). The fleet is FLEET_WORKERS (5) child processes
// (fleet-worker.mjs), each hosting FLEET_INSTANCES (4) logical instances — every one its own
// SwitchyardProvider on SSE, OpenFeature client and RolloutGuard reporting evidence once a second with
// a local minSamples of 1e9, so only the server's decision on the pooled evidence can act — each
// serving FLEET_RPS (5) requests a second from new users: 20 instances × 5 req/s = 100 req/s. The flag
// splits users 50/50 between `on` (treatment) and `off` (control, its defaultVariant); every request
// fails (tracks `error`) with probability 1%, until the failure is injected.
//
// One run: a new definition of the flag (metadata `run: N`, so the pooled evidence starts afresh) and
// a DELETE of the last rollback; FLEET_HEALTHY_MS (5 s, + up to 1 s at random) of healthy traffic; then
// at T0 the parent tells every worker (IPC) that the treatment now fails FLEET_RATES (20%, then 5%) of
// its requests, and waits until every instance reports (IPC, on its provider's configuration-changed
// event) that every probe user gets `off`, reason STATIC, `flagMetadata.rolledBack`. MTTR = that time
// minus T0, measured in this process. The server's audit entry of the rollback dates its decision; the
// workers count the treatment requests served (and failed) between T0 and their rollback: the blast
// radius. FLEET_RUNS (10) runs per store and failure rate.
//
// Run: build first (`npx --yes pnpm@10.34.9 -r --filter './packages/*' build`), then
// `node fleet.bench.mjs` from benchmarks/. FLEET_STORES=embedded,postgres. Only the default
// configuration rewrites the README section (or FLEET_WRITE=1); others print their figures.
// A measurement, not a test: nothing in it fails on a time.
import esbuild from 'esbuild';
import { fork } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServe } from './serve.mjs';
import { writeSection } from './report.mjs';
import { quantile } from './stats.mjs';

const env = (name, fallback) => process.env[name] ?? fallback;
const R = Number(env('FLEET_RUNS', 10));
const RATES = env('FLEET_RATES', '0.2,0.05').split(',').map(Number);
const STORES = env('FLEET_STORES', 'embedded,postgres').split(',');
const WORKERS = Number(env('FLEET_WORKERS', 5));
const PER_WORKER = Number(env('FLEET_INSTANCES', 4));
const RPS = Number(env('FLEET_RPS', 5));
const HEALTHY_MS = Number(env('FLEET_HEALTHY_MS', 5000));
const TIMEOUT_MS = Number(env('FLEET_TIMEOUT_MS', 120_000));
const WRITE = process.env.FLEET_WRITE === '1' || !Object.keys(process.env).some((k) => k.startsWith('FLEET_'));
const INSTANCES = WORKERS * PER_WORKER;
const FLAG = 'new-checkout';
const CONTROL_RATE = 0.01; // fleet-worker.mjs
const TARGET_MS = 5000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmp = mkdtempSync(join(tmpdir(), 'switchyard-fleet-bench-'));

// Everything started is stopped, in reverse order, however the run ends (error, Ctrl-C included).
const cleanups = [];
let cleaned;
const cleanup = () =>
  (cleaned ??= (async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (e) {
        console.error(`cleanup: ${e.message}`);
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  })());
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void cleanup().finally(() => process.exit(130)));
process.on('uncaughtException', (e) => {
  console.error(e);
  void cleanup().finally(() => process.exit(1));
});
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {}); // a closed pipe (| head) must not skip the clean-up

function writeFlags(file, run) {
  const doc = {
    flags: {
      [FLAG]: {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off', // control
        targeting: { fractional: [['on', 50], ['off', 50]] },
        metadata: { run },
      },
    },
  };
  writeFileSync(`${file}.tmp`, JSON.stringify(doc));
  renameSync(`${file}.tmp`, file); // atomic, as editors and deploy tools write
}

/** The server's output: info lines dropped, warnings and errors kept; those a rollback explains are expected. */
const serverLog = { lines: [], unexpected: [] };
const EXPECTED = [/rolled back new-checkout/, /rollback of new-checkout/];
function onOutput(stream, text) {
  if (stream !== 'stderr') return;
  for (const line of text.split('\n').filter(Boolean)) {
    serverLog.lines.push(line);
    if (!EXPECTED.some((re) => re.test(line))) {
      serverLog.unexpected.push(line);
      console.error(`  server: ${line}`);
    }
  }
}

/** FLEET_WORKERS processes of FLEET_INSTANCES instances each; `states` is every instance's last report. */
async function startFleet(url) {
  const states = new Map();
  const workerLog = [];
  let waiting;
  const check = () => {
    if (waiting && states.size === INSTANCES && [...states.values()].every(waiting.test)) waiting.resolve(performance.now());
  };
  let onState;
  const workers = [];
  for (let w = 0; w < WORKERS; w++) {
    const child = fork(fileURLToPath(new URL('./fleet-worker.mjs', import.meta.url)), [], {
      env: { ...process.env, FLEET_URL: url, FLEET_FLAG: FLAG, FLEET_WORKER: String(w), FLEET_INSTANCES: String(PER_WORKER), FLEET_RPS: String(RPS), FLEET_SEED: String(1000 + w) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker = { child, healed: undefined, evidence: undefined, exited: new Promise((r) => child.once('exit', r)) };
    worker.ready = new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`worker ${w} exited (${code}) before it was ready`)));
      child.on('message', (m) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'state') {
          states.set(m.instance, { ...m, at: performance.now() });
          onState?.(m);
          check();
        } else if (m.type === 'healed') worker.healed?.(m.counts);
        else if (m.type === 'evidence') worker.evidence = m.evidence;
        else if (m.type === 'log') {
          workerLog.push(m.text);
          if (workerLog.length <= 20) console.error(`  ${m.text}`);
        }
      });
    });
    workers.push(worker);
  }
  const fleet = {
    states,
    workerLog,
    set onState(fn) {
      onState = fn;
    },
    /** Resolves with the time every instance's state passed `test`, or rejects after `ms`. */
    until(test, ms, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => ((waiting = undefined), reject(new Error(`timeout: ${what}`))), ms);
        waiting = { test, resolve: (t) => (clearTimeout(timer), (waiting = undefined), resolve(t)) };
        check();
      });
    },
    send: (message) => workers.forEach((w) => w.child.connected && w.child.send(message)),
    async heal() {
      const all = workers.map((w) => new Promise((r) => (w.healed = r)));
      fleet.send({ type: 'heal' });
      const counts = await Promise.all(all);
      return Object.fromEntries(Object.keys(counts[0]).map((k) => [k, counts.reduce((s, c) => s + c[k], 0)]));
    },
    /** Stops every worker (SIGKILL after 10 s); what their guards' POST /v1/evidence met, summed. */
    async stop() {
      fleet.send({ type: 'stop' });
      const timers = workers.map((w) => setTimeout(() => w.child.kill('SIGKILL'), 10_000));
      await Promise.all(workers.map((w) => w.exited));
      timers.forEach(clearTimeout);
      const sum = { posts: 0, accepted: 0, failed: 0, timeouts: 0, resends: 0, statuses: {}, errors: {}, latencies: [], ages: [] };
      for (const { evidence: e } of workers.filter((w) => w.evidence)) {
        for (const k of ['posts', 'accepted', 'failed', 'timeouts', 'resends']) sum[k] += e[k];
        for (const k of ['statuses', 'errors']) for (const [key, n] of Object.entries(e[k])) sum[k][key] = (sum[k][key] ?? 0) + n;
        sum.latencies.push(...e.latencies);
        sum.ages.push(...e.ages);
      }
      return sum;
    },
  };
  cleanups.push(() => fleet.stop());
  await Promise.all(workers.map((w) => w.ready));
  return fleet;
}

async function flagsOf(url) {
  const res = await fetch(`${url}/v1/flags`);
  if (!res.ok) throw new Error(`GET /v1/flags: ${res.status}`);
  return (await res.json()).flags[FLAG];
}

/** The fleet guard's audit entry for the rollback made after `sinceWall` (written by the store shortly after). */
async function decisionAfter(url, sinceWall) {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${url}/v1/changes?limit=50`);
    if (res.ok) {
      const { changes } = await res.json();
      const entry = changes.find((c) => c.outcome === 'rollback' && c.rollback?.by === 'fleet guard' && Date.parse(c.time) >= sinceWall - 5);
      if (entry) return entry;
    }
    await sleep(50);
  }
  return undefined;
}

/** One store: a server, the fleet, R runs per failure rate. */
async function measureStore(store, pg) {
  const dir = mkdtempSync(join(tmp, `${store}-`));
  const file = join(dir, 'flags.json');
  writeFlags(file, 0);
  const args = [file, '--data', join(dir, 'data'), ...(store === 'postgres' ? ['--store', pg.url] : [])];
  const server = await startServe(args, { onOutput });
  cleanups.push(() => server.stop());
  const { url } = server;
  const fleet = await startFleet(url);
  let run = 0;
  let phase = 'healthy';
  let falseAlarms = 0;
  const falseAlarmDetails = [];
  fleet.onState = (m) => {
    if (m.rolledBack && phase === 'healthy') phase = 'false alarm';
  };
  const results = [];
  for (const rate of RATES) {
    for (let i = 0; i < R; ) {
      // A new definition: the pool starts afresh (and the store lifts the rollback); the DELETE lifts it if not yet.
      run++;
      phase = 'reset';
      writeFlags(file, run);
      for (const t0 = performance.now(); (await flagsOf(url)).metadata?.run !== run; await sleep(10)) {
        if (performance.now() - t0 > 10_000) throw new Error(`the server did not serve run ${run} within 10 s`);
      }
      const lift = await fetch(`${url}/v1/rollbacks/${FLAG}`, { method: 'DELETE' });
      if (lift.status !== 200 && lift.status !== 404) throw new Error(`DELETE /v1/rollbacks/${FLAG}: ${lift.status} ${await lift.text()}`);
      await fleet.until((s) => !s.rolledBack && s.run === run, 15_000, `every instance serving run ${run} unpinned`);
      phase = 'healthy';
      const healthyWall = Date.now();
      await sleep(HEALTHY_MS + Math.random() * 1000); // the injection at a random phase of the evidence batches
      if (phase !== 'healthy') {
        if (++falseAlarms > 2 * R * RATES.length) throw new Error(`${falseAlarms} rollbacks of a healthy treatment on ${store}: giving up`);
        const entry = await decisionAfter(url, healthyWall);
        const d = entry?.decision;
        const pooled = d ? `${d.treatment.errors}/${d.treatment.evaluations} vs ${d.control.errors}/${d.control.evaluations} from ${d.instances} instances` : '?';
        falseAlarmDetails.push({ run, afterHealthyMs: entry ? Date.parse(entry.time) - healthyWall : undefined, pooled });
        console.log(`  ${store}: rolled back while healthy (run ${run}; pooled ${pooled}): not counted, again`);
        continue;
      }
      phase = 'injected';
      const t0 = performance.now();
      const t0Wall = Date.now();
      fleet.send({ type: 'inject', rate });
      let done;
      try {
        done = await fleet.until((s) => s.rolledBack && s.run === run, TIMEOUT_MS, `every instance rolled back within ${TIMEOUT_MS} ms`);
      } catch (e) {
        console.log(`  ${store} ${rate * 100}% run ${i + 1}: ${e.message}`);
      }
      const counts = await fleet.heal();
      const sample = { store, rate, run, lift: lift.status === 200 ? 'DELETE' : 'new definition', ...counts };
      if (done === undefined) {
        results.push({ ...sample, timedOut: true });
      } else {
        const times = [...fleet.states.values()].map((s) => s.at - t0).sort((a, b) => a - b);
        const entry = await decisionAfter(url, t0Wall);
        const d = entry?.decision;
        Object.assign(sample, {
          mttrMs: done - t0,
          firstInstanceMs: times[0],
          medianInstanceMs: quantile(times, 0.5),
          decisionMs: entry ? Date.parse(entry.time) - t0Wall : undefined,
          faultMs: d?.faultAt ? Date.parse(d.faultAt) - t0Wall : undefined,
          pooled: d && { treatment: { n: d.treatment.evaluations, errors: d.treatment.errors }, control: { n: d.control.evaluations, errors: d.control.errors }, instances: d.instances, lnLambda: d.test.logLikelihoodRatio },
        });
        results.push(sample);
        console.log(
          `  ${store} ${rate * 100}% run ${i + 1}/${R}: MTTR ${sample.mttrMs.toFixed(0)} ms (decision ${sample.decisionMs ?? '?'} ms, first instance ${sample.firstInstanceMs.toFixed(0)} ms), ` +
            `treatment served ${counts.treatmentServed} (${counts.treatmentFailed} failed); pooled ${d ? `${d.treatment.errors}/${d.treatment.evaluations} vs ${d.control.errors}/${d.control.evaluations} from ${d.instances} instances` : '?'}; lifted by ${sample.lift}`,
        );
      }
      i++;
    }
  }
  const evidenceErrors = fleet.workerLog.length;
  const posts = await fleet.stop();
  await server.stop();
  const evidence = { ...posts, latencies: undefined, ages: undefined, latency: stats(posts.latencies), age: stats(posts.ages) };
  console.log(
    `  ${store}: POST /v1/evidence ${posts.posts} times: ${posts.accepted} taken, ${posts.failed} failed (${posts.timeouts} timed out after 5 s); ` +
      `latency p50 ${evidence.latency?.p50.toFixed(1)} ms, p99 ${evidence.latency?.p99.toFixed(1)} ms, max ${evidence.latency?.max.toFixed(1)} ms; statuses ${JSON.stringify(posts.statuses)}; ` +
      `${posts.resends} resends; batch first sent → taken p99 ${evidence.age?.p99.toFixed(0)} ms, max ${evidence.age?.max.toFixed(0)} ms`,
  );
  for (const [text, n] of Object.entries(posts.errors)) console.log(`    ${n} × ${text}`);
  return { results, falseAlarms, falseAlarmDetails, evidenceErrors, evidence };
}

const stats = (xs) => (xs.length ? { p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: Math.max(...xs), samples: xs.length } : undefined);
const s = (ms) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);
const dur = (ms) => (ms < 1000 ? `${ms.toFixed(0)} ms` : s(ms));

try {
  let pg;
  if (STORES.includes('postgres')) {
    // startPostgres() from the tests' helpers, bundled from TypeScript on the fly.
    const helper = join(tmp, 'postgres.mjs');
    await esbuild.build({ entryPoints: [fileURLToPath(new URL('../packages/test-utils/src/postgres.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile: helper, logLevel: 'warning' });
    const { startPostgres } = await import(pathToFileURL(helper).href);
    pg = await startPostgres();
    cleanups.unshift(() => pg.stop()); // stopped last, after the servers on it
  }
  const started = performance.now();
  const byStore = {};
  for (const store of STORES) {
    console.log(`${store}: ${WORKERS} processes × ${PER_WORKER} instances × ${RPS} req/s, ${R} runs per failure rate (${RATES.map((r) => `${r * 100}%`).join(', ')})`);
    byStore[store] = await measureStore(store, pg);
  }
  const rows = [];
  for (const store of STORES) {
    for (const rate of RATES) {
      const runs = byStore[store].results.filter((r) => r.rate === rate);
      const ok = runs.filter((r) => !r.timedOut);
      const row = {
        store,
        rate,
        runs: runs.length,
        timedOut: runs.length - ok.length,
        mttr: stats(ok.map((r) => r.mttrMs)),
        decision: stats(ok.map((r) => r.decisionMs).filter((x) => x !== undefined)),
        fault: stats(ok.map((r) => r.faultMs).filter((x) => x !== undefined)),
        afterDecision: stats(ok.filter((r) => r.decisionMs !== undefined).map((r) => r.mttrMs - r.decisionMs)),
        treatmentServed: stats(ok.map((r) => r.treatmentServed)),
        treatmentFailed: stats(ok.map((r) => r.treatmentFailed)),
        pooledTreatment: stats(ok.filter((r) => r.pooled).map((r) => r.pooled.treatment.n)),
      };
      rows.push(row);
      console.log(
        `${store}, treatment failing ${rate * 100}%: MTTR p50 ${s(row.mttr?.p50)}, p99 ${s(row.mttr?.p99)}, max ${s(row.mttr?.max)} (${ok.length} runs, ${row.timedOut} timed out); ` +
          `decision p50 ${s(row.decision?.p50)}; treatment requests served after injection p50 ${row.treatmentServed?.p50}, max ${row.treatmentServed?.max} (failed p50 ${row.treatmentFailed?.p50}, max ${row.treatmentFailed?.max})`,
      );
    }
  }
  const minutes = (performance.now() - started) / 60_000;
  const falseAlarms = STORES.reduce((n, st) => n + byStore[st].falseAlarms, 0);
  const workerComplaints = STORES.reduce((n, st) => n + byStore[st].evidenceErrors, 0);
  console.log(`server: ${serverLog.lines.length} warning/error lines, ${serverLog.unexpected.length} not about the rollbacks; workers: ${workerComplaints} guard warnings; ${falseAlarms} rollbacks while healthy; ${minutes.toFixed(1)} min`);

  const label = { embedded: 'embedded (`--data DIR`)', postgres: '`--store postgres://…`' };
  const met = (row) => (row.rate >= 0.2 ? (row.timedOut === 0 && row.mttr && row.mttr.p99 < TARGET_MS ? 'p99 < 5 s: met' : 'p99 < 5 s: **not met**') : '');
  const markdown = [
    `Measured ${new Date().toISOString().slice(0, 10)} on Node ${process.version}, ${cpus().length} cores, loopback${STORES.includes('postgres') ? ', PostgreSQL 15 (a throwaway local cluster)' : ''}. The open \`switchyard serve\` in its own process; the fleet: ${WORKERS} Node processes × ${PER_WORKER} instances (each its own provider on SSE, OpenFeature client and \`RolloutGuard\`, evidence every 1,000 ms, local \`minSamples\` 1e9) × ${RPS} req/s = ${INSTANCES * RPS} req/s, every request a new user, split 50/50 between \`on\` and control \`off\`, 1% failing. Each run: a new definition (pooled evidence afresh) and a DELETE of the last rollback, ${HEALTHY_MS / 1000}–${HEALTHY_MS / 1000 + 1} s healthy, then the treatment fails at the rate shown; MTTR = injection → the last of the ${INSTANCES} instances serves control to every user (reason STATIC, \`rolledBack\`). ${R} runs per row (p99 of ${R} runs is the slowest). \`node fleet.bench.mjs\` (FLEET_RUNS=${R}).`,
    '',
    '| store | treatment fails | MTTR p50 | p99 | max | injection → server decision p50 / max | decision → last instance p50 / max | treatment requests served after injection p50 / max (failed p50 / max) | target |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${label[r.store] ?? r.store} | ${r.rate * 100}% vs ${CONTROL_RATE * 100}% | ${s(r.mttr?.p50)} | ${s(r.mttr?.p99)} | ${s(r.mttr?.max)} | ${s(r.decision?.p50)} / ${s(r.decision?.max)} | ${r.afterDecision ? `${r.afterDecision.p50.toFixed(0)} / ${r.afterDecision.max.toFixed(0)} ms` : '–'} | ${r.treatmentServed?.p50} / ${r.treatmentServed?.max} (${r.treatmentFailed?.p50} / ${r.treatmentFailed?.max}) | ${met(r)}${r.timedOut ? ` ${r.timedOut} of ${r.runs} not rolled back within ${TIMEOUT_MS / 1000} s` : ''} |`,
    ),
    '',
    `Almost all of the MTTR is the server's decision: from it to the last of the ${INSTANCES} instances serving control took at most ${Math.max(...rows.filter((r) => r.afterDecision).map((r) => r.afterDecision.max)).toFixed(0)} ms (one SSE event each). Before it, the evidence arrives once a second per instance and the sequential test (α 0.01, margin 1 point, at least 200 evaluations per variant) has to be sure: at the decision the pool held a median of ${rows.map((r) => `${r.pooledTreatment?.p50 ?? '–'} (${r.store}, ${r.rate * 100}%)`).join(', ')} treatment evaluations, ${Math.round((HEALTHY_MS + 500) / 1000 * INSTANCES * RPS / 2)} or so of them from the healthy seconds before the failure. The pool is cumulative per definition, so a failure that starts after a longer healthy stretch of the same definition needs more of its own evidence to show. Target p99 < 5 s for a treatment failing 20% at ${INSTANCES} × ${RPS} req/s: ${rows.filter((r) => r.rate >= 0.2).map((r) => `${label[r.store] ?? r.store} ${met(r).replace('p99 < 5 s: ', '')} (p99 ${s(r.mttr?.p99)})`).join(', ') || 'not measured'}.`,
    '',
    `The evidence behind it: every \`POST /v1/evidence\` the ${INSTANCES} guards made during the whole measurement of a store (runs, resets and healthy phases; the reporter's own 5 s timeout):`,
    '',
    '| store | requests | taken | failed (of them timed out) | latency p50 / p99 / max | a batch first sent → taken: p99 / max | what failed | rollbacks while healthy (not counted, run again) |',
    '|---|---:|---:|---:|---:|---:|---|---:|',
    ...STORES.map((st) => {
      const e = byStore[st].evidence;
      const errors = Object.entries(e.errors).sort((a, b) => b[1] - a[1]).map(([text, n]) => `${n} × ${text.replace(/\|/g, '\\|')}`).join('; ');
      const unanswered = e.posts - e.accepted - e.failed;
      return `| ${label[st] ?? st} | ${e.posts}${unanswered ? ` (${unanswered} unanswered at the end)` : ''} | ${e.accepted} | ${e.failed} (${e.timeouts}) | ${e.latency ? `${e.latency.p50.toFixed(1)} / ${e.latency.p99.toFixed(1)} / ${e.latency.max.toFixed(1)} ms` : '–'} | ${e.age ? `${dur(e.age.p99)} / ${dur(e.age.max)}` : '–'} | ${errors || 'nothing'} | ${byStore[st].falseAlarms} |`;
    }),
    '',
    `Server warnings and errors other than the rollbacks themselves: ${serverLog.unexpected.length}; guard warnings in the workers: ${workerComplaints}.`,
  ].join('\n');
  if (WRITE) await writeSection('fleet', markdown, { workers: WORKERS, instancesPerWorker: PER_WORKER, rps: RPS, healthyMs: HEALTHY_MS, runs: R, rows, evidence: Object.fromEntries(STORES.map((st) => [st, byStore[st].evidence])), samples: STORES.flatMap((st) => byStore[st].results), falseAlarms, serverLog: serverLog.unexpected });
  else console.log(`(not the default configuration: benchmarks/README.md left alone)\n\n${markdown}`);
} finally {
  await cleanup();
}
