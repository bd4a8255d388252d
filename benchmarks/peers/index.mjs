// The evaluators the benchmarks compare, Switchyard first. Each adapter loads the benchmark's flags in
// its own SDK's format (`load([[key, shape]])` → `{ evaluate(key, user), value(result), close? }`) and
// converts our context to the shape its users pass (`user(ctx)`), outside the timed loop.
import { readFileSync } from 'node:fs';
import flagdCore from './flagd-core.mjs';
import growthbook from './growthbook.mjs';
import launchdarkly from './launchdarkly.mjs';
import switchyard from './switchyard.mjs';
import unleash from './unleash.mjs';

export const EVALUATORS = [switchyard, flagdCore, growthbook, unleash, launchdarkly];

const { dependencies } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
/** "GrowthBook 1.8.0": the pinned version from benchmarks/package.json. */
export const label = (peer) => (dependencies[peer.pkg]?.startsWith('workspace') ? peer.name : `${peer.name} ${dependencies[peer.pkg]}`);
