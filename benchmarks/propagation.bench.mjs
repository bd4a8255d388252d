// Propagation: the time from editing the file `switchyard serve` watches to N Node providers returning
// the new value — N providers on SSE (1, 100, 1,000) and on 1 s polling (100). The server runs in its
// own process; all providers share this one (one event loop: a worst case for the tail).
import { SwitchyardProvider } from '@switchyard/node';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from './serve.mjs';
import { writeSection } from './report.mjs';
import { quantile } from './stats.mjs';

const FLIPS = Number(process.env.PROPAGATION_FLIPS ?? 10);
const RUNS = [
  { label: 'SSE', n: 1, source: (url) => ({ type: 'sse', url }) },
  { label: 'SSE', n: 100, source: (url) => ({ type: 'sse', url }) },
  { label: 'SSE', n: 1000, source: (url) => ({ type: 'sse', url }) },
  { label: 'polling every 1 s', n: 100, source: (url) => ({ type: 'poll', url, pollIntervalMs: 1000 }) },
];
const dir = mkdtempSync(join(tmpdir(), 'switchyard-propagation-'));
const file = join(dir, 'flags.json');
const write = (on) => {
  const doc = { flags: { 'payments-enabled': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: on ? 'on' : 'off' } } };
  writeFileSync(`${file}.tmp`, JSON.stringify(doc));
  renameSync(`${file}.tmp`, file); // atomic, as editors and deploy tools write
};
write(true);

const { url, stop } = await startServe([file]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Flips the kill switch FLIPS times; each sample is one provider's delay for one flip. */
async function measure({ n, source }) {
  const providers = Array.from({ length: n }, () => new SwitchyardProvider({ source: source(url) }));
  await Promise.all(providers.map((p) => p.initialize()));
  const value = (p, fallback) => p.evaluator.getBooleanValue('payments-enabled', fallback);
  const samples = [];
  let state = value(providers[0], false);
  for (let i = 0; i < FLIPS; i++) {
    const target = !state;
    let waiting = [...providers];
    const t0 = performance.now();
    write(target);
    while (waiting.length > 0) {
      if (performance.now() - t0 > 15_000) throw new Error(`${waiting.length} of ${n} providers never saw the flip`);
      await sleep(1);
      const now = performance.now();
      waiting = waiting.filter((p) => value(p, !target) !== target || (samples.push(now - t0), false));
    }
    state = target;
    await sleep(200 + Math.random() * 300); // the next edit at a random phase of the poll
  }
  await Promise.all(providers.map((p) => p.onClose()));
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), max: Math.max(...samples), samples: samples.length };
}

try {
  const rows = [];
  for (const run of RUNS) {
    const r = { transport: run.label, providers: run.n, ...(await measure(run)) };
    rows.push(r);
    console.log(`${run.label} × ${run.n}: p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms, max ${r.max.toFixed(0)} ms (${r.samples} samples)`);
  }
  await writeSection('propagation', [
    `Measured ${new Date().toISOString().slice(0, 10)} on Node ${process.version}: ${FLIPS} flips of a kill switch; edit = atomic rename of the file \`switchyard serve\` watches; done = the provider's evaluator returns the new value (checked every millisecond). Percentiles over every provider × flip.`,
    '',
    '| transport | providers | p50 | p99 | max |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.transport} | ${r.providers.toLocaleString('en')} | ${r.p50.toFixed(0)} ms | ${r.p99.toFixed(0)} ms | ${r.max.toFixed(0)} ms |`),
    '',
    "Over SSE the delay is the server's file watcher (30 ms debounce) plus one event to every stream; polling adds up to one interval.",
  ].join('\n'), { flips: FLIPS, rows });
} finally {
  stop();
}
