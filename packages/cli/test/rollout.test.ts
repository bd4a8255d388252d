import { FlagdCore } from '@openfeature/flagd-core';
import { loadSnapshot } from '@switchyard/core';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSteps, readSchedule, rolloutShare, scheduleTargeting } from '../src/lifecycle/schedule.js';
import { cli, file } from './helpers.js';

const silent = { error() {}, warn() {}, info() {}, debug() {} };
const bool = (extra: object = {}) => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', ...extra });
const users = Array.from({ length: 500 }, (_, i) => ({ targetingKey: `user-${i}` }));
const STEPS = '2026-12-01T09:00:00Z=1,2026-12-02T09:00:00Z=10,2026-12-04T09:00:00Z=50,2026-12-08T09:00:00Z=100';
const at = (iso: string) => Date.parse(iso);
/** A moment inside each step, and one before the first. */
const MOMENTS = ['2026-11-30T00:00:00Z', '2026-12-01T12:00:00Z', '2026-12-03T00:00:00Z', '2026-12-05T00:00:00Z', '2027-01-01T00:00:00Z'];

afterEach(() => vi.useRealTimers());

describe('switchyard rollout', () => {
  it('writes a flagd rule that flagd-core evaluates exactly as Switchyard does at every step', async () => {
    const path = file('rollout.json', { flags: { 'new-checkout': bool() } });
    const run = await cli('rollout', path, '--flag', 'new-checkout', '--steps', STEPS);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('from   2026-12-02T09:00:00.000Z: 10%');
    const text = readFileSync(path, 'utf8');

    const shares: number[] = [];
    for (const moment of MOMENTS) {
      const ours = loadSnapshot(text, { now: () => at(moment) });
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(at(moment)); // flagd-core reads $flagd.timestamp from Date.now()
      const flagd = new FlagdCore(undefined, silent);
      flagd.setConfigurations(text);
      let on = 0;
      for (const user of users) {
        const a = ours.resolveBooleanEvaluation('new-checkout', false, user);
        const b = flagd.resolveBooleanEvaluation('new-checkout', false, user, silent);
        expect({ value: a.value, variant: a.variant, reason: a.reason }).toEqual({ value: b.value, variant: b.variant, reason: b.reason });
        if (a.value) on++;
      }
      vi.useRealTimers();
      shares.push(on / users.length);
    }
    expect(shares[0]).toBe(0);
    expect(shares[1]).toBeLessThan(0.04);
    expect(shares[2]).toBeGreaterThan(0.06);
    expect(shares[2]).toBeLessThan(0.15);
    expect(shares[3]).toBeGreaterThan(0.42);
    expect(shares[3]).toBeLessThan(0.58);
    expect(shares[4]).toBe(1);
  });

  it('keeps every user who is in as the schedule advances (any non-decreasing schedule)', () => {
    const schedule = fc
      .array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 6 })
      .map((ps) => [...ps].sort((a, b) => a - b).map((percent, i) => ({ at: 1_800_000_000 + i * 86_400, percent })));
    fc.assert(
      fc.property(schedule, fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 40 }), (steps, keys) => {
        const doc = { flags: { f: bool({ targeting: scheduleTargeting(steps, 'on', 'off') }) } };
        const snapshots = steps.map((s) => loadSnapshot(doc, { now: () => s.at * 1000 }));
        for (const targetingKey of keys) {
          const on = snapshots.map((s) => s.resolveBooleanEvaluation('f', false, { targetingKey }).value);
          for (let i = 1; i < on.length; i++) if (on[i - 1]) expect(on[i]).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('leaves rules before the rollout in charge (internal users stay on at 0%)', async () => {
    const staff = { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', 'off'] };
    const path = file('staff.json', { flags: { f: bool({ targeting: staff }) } });
    expect((await cli('rollout', path, '--flag', 'f', '--steps', '2030-01-01T00:00:00Z=10')).code).toBe(0);
    const now = loadSnapshot(readFileSync(path, 'utf8'), { now: () => at('2026-12-01T00:00:00Z') });
    expect(now.resolveBooleanEvaluation('f', false, { targetingKey: 'a', email: 'ada@example.com' }).value).toBe(true);
    expect(users.some((u) => now.resolveBooleanEvaluation('f', false, u).value)).toBe(false);
    // Rolling out again replaces the schedule rather than nesting one in another.
    expect((await cli('rollout', path, '--flag', 'f', '--steps', '2026-01-01T00:00:00Z=100')).code).toBe(0);
    const targeting = JSON.parse(readFileSync(path, 'utf8')).flags.f.targeting;
    expect(targeting.if.slice(0, 2)).toEqual(staff.if.slice(0, 2));
    expect(readSchedule(targeting.if[2])?.steps).toEqual([{ at: at('2026-01-01T00:00:00Z') / 1000, percent: 100 }]);
    expect(rolloutShare(targeting, at('2026-06-01T00:00:00Z') / 1000)).toMatchObject({ percent: 100, treatment: 'on' });
  });

  it('refuses schedules that would drop users, unknown flags and variants, and does not write on --dry-run', async () => {
    const doc = { flags: { f: bool(), g: bool({ targeting: { '==': [1, 1] } }) } };
    const path = file('refuse.json', doc);
    const before = readFileSync(path, 'utf8');
    const down = await cli('rollout', path, '--flag', 'f', '--steps', '2026-12-01T00:00:00Z=50,2026-12-02T00:00:00Z=10');
    expect(down).toMatchObject({ code: 2 });
    expect(down.stderr).toContain('percentages must not decrease');
    expect((await cli('rollout', path, '--flag', 'nope', '--steps', STEPS)).stderr).toContain('has no flagd flag "nope"');
    expect((await cli('rollout', path, '--flag', 'f', '--variant', 'maybe', '--steps', STEPS)).stderr).toContain('"maybe" is not one of on, off');
    expect((await cli('rollout', path, '--flag', 'g', '--steps', STEPS)).stderr).toContain('no place for a rollout');
    const dry = await cli('rollout', path, '--flag', 'f', '--steps', STEPS, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('"fractional"');
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('refuses a document that is already invalid, naming each problem once, without blaming the rollout', async () => {
    const broken = { if: [{ $ref: 'staff' }, 'on', null] };
    const path = file('already.json', {
      $evaluators: { staff: { fractionl: [] } },
      flags: { f: bool(), b: bool({ targeting: broken }), c: bool({ targeting: broken }), d: bool({ targeting: { if: [true, 'on', { fractionl: [] }] } }) },
    });
    const rejected = file('rejected.json', { flags: { f: bool(), g: bool({ state: 'ON' }) } });
    const before = [readFileSync(path, 'utf8'), readFileSync(rejected, 'utf8')];
    expect(await cli('rollout', path, '--flag', 'f', '--steps', STEPS)).toMatchObject({
      code: 1,
      stderr: `${path}: the document is already invalid (fix it first); not written\n  $evaluators.staff: unknown operator "fractionl" (flags b, c)\n  flags.d.targeting.if[2]: unknown operator "fractionl"\n`,
    });
    expect(await cli('rollout', rejected, '--flag', 'f', '--steps', STEPS)).toMatchObject({
      code: 1,
      stderr: `${rejected}: the document is already invalid (fix it first); not written\n  flags.g.state: must be "ENABLED" or "DISABLED", not "ON"\n`,
    });
    expect([readFileSync(path, 'utf8'), readFileSync(rejected, 'utf8')]).toEqual(before);
  });

  it('checks the document as validate does: extension operators in other flags are fine', async () => {
    const path = file('extensions.json', { flags: { f: bool(), staff: bool({ targeting: { if: [{ regex_match: [{ var: 'email' }, '@example\\.com$'] }, 'on', 'off'] } }) } });
    expect(await cli('rollout', path, '--flag', 'f', '--steps', STEPS)).toMatchObject({ code: 0, stderr: '' });
  });

  it('parses steps strictly', () => {
    expect(parseSteps('2026-12-01T00:00:00Z=1, 2026-12-02T00:00:00Z=10')).toEqual([
      { at: at('2026-12-01T00:00:00Z') / 1000, percent: 1 },
      { at: at('2026-12-02T00:00:00Z') / 1000, percent: 10 },
    ]);
    for (const bad of ['tomorrow=1', '2026-12-01=1.5', '2026-12-01=101', '2026-12-01', '2026-12-02=1,2026-12-01=2']) expect(() => parseSteps(bad)).toThrow();
  });
});
