// Internal figure: the core snapshot's resolver alone (what provider.evaluator delegates to), without
// the provider's layers. Not what users call; reported beside the headline rows to show what they cost.
import { loadSnapshot } from '@switchyard/core';
import { FLAGS } from '../fixtures.mjs';

export default {
  name: 'snapshot (internal)',
  pkg: '@switchyard/core',
  sameBuckets: true,
  load(flags) {
    const snapshot = loadSnapshot(JSON.stringify({ flags: Object.fromEntries(flags.map(([key, shape]) => [key, FLAGS[shape]])) }));
    return { evaluate: (key, ctx) => snapshot.resolveBooleanEvaluation(key, false, ctx), value: (r) => r.value };
  },
  user: (ctx) => ctx,
};
