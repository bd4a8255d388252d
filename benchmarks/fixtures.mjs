// The flags and the 10,000 pre-built contexts every evaluator is measured on.

export const USERS = 10_000;

const bool = (targeting) => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', ...(targeting ? { targeting } : {}) });

/** Case (d): ten rules, only the last one matches any of our users. */
const tenRules = {
  if: [
    ...Array.from({ length: 9 }, (_, i) => [{ '==': [{ var: 'plan' }, `plan-${i}`] }, 'off']).flat(),
    { '==': [{ var: 'plan' }, 'pro'] },
    'on',
    'off',
  ],
};

export const FLAGS = {
  static: { ...bool(), defaultVariant: 'on' },
  email: bool({ if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', 'off'] }),
  fractional: bool({ fractional: [['on', 50], ['off', 50]] }),
  'ten-rules': bool(tenRules),
};

export const SHAPES = Object.keys(FLAGS);

/** The flags every evaluator loads, as [key, shape]: the four shapes under their own names, or `count`
 * flags flag-0 … flag-N cycling through them (so flag-1 is an `email` rule). */
export const flagList = (count) => (count === undefined ? SHAPES.map((s) => [s, s]) : Array.from({ length: count }, (_, i) => [`flag-${i}`, SHAPES[i % SHAPES.length]]));

export const document = (flags = FLAGS) => JSON.stringify({ flags });

/** 10,000 users; one in ten has an @example.com email. */
export function contexts(extraAttributes = 0) {
  return Array.from({ length: USERS }, (_, i) => {
    const ctx = { targetingKey: `user-${i}`, email: `user${i}@${i % 10 === 0 ? 'example.com' : 'customer.org'}`, plan: 'pro' };
    for (let a = 0; a < extraAttributes; a++) ctx[`attr${a}`] = a % 3 === 0 ? a : `value-${a}-${i}`;
    return ctx;
  });
}

/** The flagd document of `flagList(count)`. */
export const largeDocument = (count) => JSON.stringify({ flags: Object.fromEntries(flagList(count).map(([key, shape]) => [key, FLAGS[shape]])) });
