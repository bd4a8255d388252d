import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentMap } from '../src/guard/recent.js';

describe('RecentMap (the guard\'s memory of users\' last variants)', () => {
  it('holds exactly the `max` most recently set keys, each with its latest value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.nat()), { maxLength: 60 }), (max, sets) => {
        const map = new RecentMap<number, number>(max);
        const model: [number, number][] = []; // most recent last
        for (const [key, value] of sets) {
          map.set(key, value);
          const at = model.findIndex(([k]) => k === key);
          if (at >= 0) model.splice(at, 1);
          model.push([key, value]);
          if (model.length > max) model.shift();
        }
        expect(map.size).toBe(model.length);
        for (const [key, value] of model) expect(map.get(key)).toBe(value);
        for (let key = 0; key <= 12; key++) if (!model.some(([k]) => k === key)) expect(map.get(key)).toBeUndefined();
      }),
    );
  });
});
