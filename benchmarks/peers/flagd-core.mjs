// flagd's JavaScript evaluator (the in-process flagd provider's engine), same flagd document as ours.
import { FlagdCore } from '@openfeature/flagd-core';
import { FLAGS } from '../fixtures.mjs';

const silent = { error() {}, warn() {}, info() {}, debug() {} };

export default {
  name: 'flagd-core',
  pkg: '@openfeature/flagd-core',
  load(flags) {
    const core = new FlagdCore(undefined, silent);
    core.setConfigurations(JSON.stringify({ flags: Object.fromEntries(flags.map(([key, shape]) => [key, FLAGS[shape]])) }));
    return { evaluate: (key, ctx) => core.resolveBooleanEvaluation(key, false, ctx, silent), value: (r) => r.value };
  },
  user: (ctx) => ctx,
};
