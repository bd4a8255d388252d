// One process of the fleet in fleet.bench.mjs (spawned by it with `node fleet-worker.mjs`, IPC channel
// open; not run on its own). It hosts INSTANCES logical service instances, each as a real deployment
// would have it: its own SwitchyardProvider on the server's SSE stream, its own OpenFeature domain and
// client, and its own RolloutGuard reporting evidence to the server (its own instance name). Each
// instance serves RPS requests a second at a fixed interval (random phase), each from a new user: it
// evaluates FLAG and tracks an `error` with the failure rate of the variant served (1% for both until
// the parent injects a failure of the treatment).
//
// Parent → worker: { type: 'inject', rate } (the treatment now fails `rate` of its requests),
//                  { type: 'heal' } (back to 1%; answers { type: 'healed', counts }), { type: 'stop' }.
// Worker → parent: { type: 'ready' }, { type: 'state', instance, rolledBack, run } whenever an instance's
//                  view of FLAG changes (probed through the provider: every probe user gets control,
//                  reason STATIC, flagMetadata.rolledBack), { type: 'log', text } for guard warnings,
//                  { type: 'evidence', evidence } at the end: every POST /v1/evidence by outcome, timed.
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { RolloutGuard, SwitchyardProvider } from '@switchyard/node';

const { FLEET_URL: URL_, FLEET_FLAG: FLAG, FLEET_WORKER: WORKER, FLEET_INSTANCES, FLEET_RPS, FLEET_SEED } = process.env;
const INSTANCES = Number(FLEET_INSTANCES);
const RPS = Number(FLEET_RPS);
const CONTROL_RATE = 0.01;
const PROBES = Array.from({ length: 16 }, (_, i) => ({ targetingKey: `probe-${i}` }));
const send = (message) => process.connected && process.send(message);

// Every POST /v1/evidence the guards make, counted by outcome and timed (the guards call the global fetch).
// A batch sent again keeps its seq: `ages` is, per batch taken, the time from its first attempt to the answer.
const evidence = { posts: 0, accepted: 0, failed: 0, timeouts: 0, resends: 0, statuses: {}, errors: {}, latencies: [], ages: [] };
let evidenceFailedSinceInjection = 0;
const firstAttempt = new Map(); // instance → { seq, at }
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  if (!String(input).endsWith('/v1/evidence')) return realFetch(input, init);
  const t0 = performance.now();
  const { instance, seq } = JSON.parse(init.body);
  const first = firstAttempt.get(instance);
  if (first?.seq === seq) evidence.resends++;
  else firstAttempt.set(instance, { seq, at: t0 });
  evidence.posts++;
  try {
    const res = await realFetch(input, init);
    evidence.latencies.push(performance.now() - t0);
    evidence.statuses[res.status] = (evidence.statuses[res.status] ?? 0) + 1;
    if (res.ok) evidence.accepted++, evidence.ages.push(performance.now() - firstAttempt.get(instance).at);
    else {
      evidence.failed++;
      evidenceFailedSinceInjection++;
      const text = (await res.clone().text()).slice(0, 120);
      evidence.errors[text] = (evidence.errors[text] ?? 0) + 1;
    }
    return res;
  } catch (e) {
    evidence.latencies.push(performance.now() - t0);
    evidence.failed++;
    evidenceFailedSinceInjection++;
    if (e.name === 'TimeoutError') evidence.timeouts++;
    const text = `${e.name}: ${e.message}`.slice(0, 120);
    evidence.errors[text] = (evidence.errors[text] ?? 0) + 1;
    throw e;
  }
};

/** A small seeded PRNG (mulberry32), as in the tests: each worker's failures are reproducible. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rng = random(Number(FLEET_SEED));

let treatmentRate = CONTROL_RATE;
/** Since the last injection: what the users got. */
let counts = { treatmentServed: 0, treatmentFailed: 0, controlServed: 0, rolledBackServed: 0 };

const logger = {
  warn: (text) => send({ type: 'log', level: 'warn', text: `[worker ${WORKER}] ${text}` }),
  error: (text) => send({ type: 'log', level: 'error', text: `[worker ${WORKER}] ${text}` }),
};

const instances = [];
for (let i = 0; i < INSTANCES; i++) {
  const name = `w${WORKER}-i${i}`;
  const provider = new SwitchyardProvider({ source: { type: 'sse', url: URL_ }, warn: logger.warn });
  await OpenFeature.setProviderAndWait(name, provider);
  const client = OpenFeature.getClient(name);
  // Locally no decision can happen (minSamples out of reach): only the fleet's pooled evidence decides.
  const guard = new RolloutGuard(provider, { flags: [FLAG], minSamples: 1e9, report: { url: URL_ }, evidence: { intervalMs: 1000, instance: name }, logger });
  client.addHooks(guard);
  instances.push({ name, provider, client, guard, users: 0, last: undefined });
}

/** Does every probe user get control, pinned by a rollback? Evaluated on the provider: the guard does not count it. */
async function report(instance) {
  let rolledBack = true;
  let run;
  for (const ctx of PROBES) {
    const d = await instance.provider.resolveBooleanEvaluation(FLAG, true, ctx);
    run = d.flagMetadata?.run;
    if (!(d.variant === 'off' && d.reason === 'STATIC' && d.flagMetadata?.rolledBack !== undefined)) rolledBack = false;
  }
  const state = `${rolledBack}:${run}`;
  if (state === instance.last) return;
  instance.last = state;
  send({ type: 'state', instance: instance.name, rolledBack, run });
}

async function request(instance) {
  const ctx = { targetingKey: `${instance.name}-user-${instance.users++}` };
  const { variant, flagMetadata } = await instance.client.getBooleanDetails(FLAG, false, ctx);
  if (variant === 'on') {
    counts.treatmentServed++;
    if (rng() < treatmentRate) (counts.treatmentFailed++, instance.client.track('error', ctx));
  } else {
    if (flagMetadata?.rolledBack !== undefined) counts.rolledBackServed++;
    else counts.controlServed++;
    if (rng() < CONTROL_RATE) instance.client.track('error', ctx);
  }
}

const timers = [];
for (const instance of instances) {
  instance.provider.events.addHandler(ProviderEvents.ConfigurationChanged, () => void report(instance));
  await report(instance);
  // A fixed interval from a random phase: the fleet's requests spread evenly over each second.
  const start = setTimeout(() => {
    timers.push(setInterval(() => void request(instance).catch((e) => logger.error(`request failed: ${e.message}`)), 1000 / RPS));
  }, rng() * (1000 / RPS));
  timers.push(start);
}

process.on('message', async (message) => {
  if (message.type === 'inject') {
    counts = { treatmentServed: 0, treatmentFailed: 0, controlServed: 0, rolledBackServed: 0 };
    evidenceFailedSinceInjection = 0;
    treatmentRate = message.rate;
  } else if (message.type === 'heal') {
    treatmentRate = CONTROL_RATE;
    send({ type: 'healed', counts: { ...counts, evidenceFailed: evidenceFailedSinceInjection } });
  } else if (message.type === 'stop') {
    for (const t of timers) clearTimeout(t), clearInterval(t);
    send({ type: 'evidence', evidence });
    await Promise.all(instances.map((i) => i.guard.close()));
    await OpenFeature.close();
    process.disconnect();
  }
});
process.on('disconnect', () => process.exit(0)); // the parent went away: so does the fleet
send({ type: 'ready' });
