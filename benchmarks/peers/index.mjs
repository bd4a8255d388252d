// The evaluators the benchmarks compare, the headline first (the others' ratios are against it). Each
// adapter loads the benchmark's flags in its own SDK's format (`load([[key, shape]])` →
// `{ evaluate(key, user), value(result), bind?(key), close? }`) and converts our context to the shape
// its users pass (`user(ctx)`), outside the timed loop. `bind(key)` returns an `evaluate` specialised
// for one flag (the hand-written decisions); `sameBuckets` claims flagd's hashing, checked user for user.
import { readFileSync } from 'node:fs';
import flagdCore from './flagd-core.mjs';
import growthbook from './growthbook.mjs';
import handWritten from './hand-written.mjs';
import launchdarkly from './launchdarkly.mjs';
import unleash from './unleash.mjs';
import client from './switchyard-client.mjs';
import evaluator from './switchyard-evaluator.mjs';
import snapshot from './switchyard-snapshot.mjs';

export { client, evaluator, flagdCore, handWritten, snapshot };

/** Switchyard as users call it: the synchronous evaluator (headline) and the awaited OpenFeature client. */
export const SWITCHYARD = [evaluator, client];
/** What the headline is compared with: the same decisions by hand, then the other SDKs. */
export const PEERS = [flagdCore, growthbook, unleash, launchdarkly];
export const EVALUATORS = [...SWITCHYARD, handWritten, ...PEERS, snapshot];

const { dependencies } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
/** "GrowthBook 1.8.0": the pinned version from benchmarks/package.json (none for ours and the hand-written code). */
export function label(peer) {
  const version = dependencies[peer.pkg];
  return !version || version.startsWith('workspace') ? peer.name : `${peer.name} ${version}`;
}
