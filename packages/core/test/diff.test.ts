import { describe, expect, it } from 'vitest';
import { changedFlagKeys, diffSnapshots, loadSnapshot } from '../src/index.js';

const base = {
  metadata: { flagSetId: 'shop' },
  $evaluators: { staff: { ends_with: [{ var: 'email' }, '@example.com'] }, unused: true },
  flags: {
    same: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    state: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    variants: { state: 'ENABLED', variants: { a: { x: 1 } }, defaultVariant: 'a' },
    dflt: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    targeting: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'staff' }, 'on'] } },
    meta: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on', metadata: { owner: 'a' } },
    removed: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' },
  },
};

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

describe('snapshot diff', () => {
  it('reports nothing for an identical document (key order does not matter)', () => {
    const reordered = clone(base);
    reordered.flags.variants = { defaultVariant: 'a', variants: { a: { x: 1 } }, state: 'ENABLED' } as never;
    expect(changedFlagKeys(loadSnapshot(base), loadSnapshot(reordered))).toEqual([]);
  });

  it('names exactly the added, removed and changed flags', () => {
    const next = clone(base) as any;
    next.flags.state.state = 'DISABLED';
    next.flags.variants.variants.a.x = 2;
    next.flags.dflt.defaultVariant = 'off';
    next.flags.meta.metadata.owner = 'b';
    delete next.flags.removed;
    next.flags.added = { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' };
    next.$evaluators.unused = false; // referenced by no flag
    expect(diffSnapshots(loadSnapshot(base), loadSnapshot(next))).toEqual({
      added: ['added'],
      removed: ['removed'],
      changed: ['state', 'variants', 'dflt', 'meta'],
    });
  });

  it('sees a change to an evaluator through the flags that reference it', () => {
    const next = clone(base);
    next.$evaluators.staff.ends_with[1] = '@example.org';
    expect(changedFlagKeys(loadSnapshot(base), loadSnapshot(next))).toEqual(['targeting']);
  });

  it('treats flag-set metadata as part of every flag’s metadata, as flagd does', () => {
    const next = clone(base);
    next.metadata.flagSetId = 'shop-2';
    expect(changedFlagKeys(loadSnapshot(base), loadSnapshot(next))).toEqual(Object.keys(base.flags));
  });

  it('reports every flag as added against no previous snapshot', () => {
    expect(changedFlagKeys(undefined, loadSnapshot(base))).toEqual(Object.keys(base.flags));
  });
});
