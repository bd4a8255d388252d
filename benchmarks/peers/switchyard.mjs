// Switchyard's core evaluator, called as the Node provider calls it.
import { loadSnapshot } from '@switchyard/core';
import { FLAGS } from '../fixtures.mjs';

export default {
  name: 'Switchyard',
  pkg: '@switchyard/core',
  load(flags) {
    const snapshot = loadSnapshot(JSON.stringify({ flags: Object.fromEntries(flags.map(([key, shape]) => [key, FLAGS[shape]])) }));
    return { evaluate: (key, ctx) => snapshot.resolveBooleanEvaluation(key, false, ctx), value: (r) => r.value };
  },
  user: (ctx) => ctx,
};
