import { OpenFeature } from '@openfeature/server-sdk';
import fc from 'fast-check';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STAGES, type Stage } from '@switchyard/core';
import { tempDir, writeAtomically } from '@switchyard/test-utils/node';
import { Migration, RolloutGuard, SwitchyardProvider } from '../src/index.js';

// The stage table, every stage × read/write × success or failure of each origin, through the real
// provider and OpenFeature client (the stage comes from evaluating the flag), with recorded origins.

const quiet = { warn() {}, error() {} };
let domains = 0;
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

export const migrationFlag = (stage: Stage | { fractional: [Stage, number][] }) => ({
  state: 'ENABLED',
  variants: Object.fromEntries(STAGES.map((s) => [s, s])),
  defaultVariant: typeof stage === 'string' ? stage : 'off',
  ...(typeof stage === 'string' ? {} : { targeting: { fractional: stage.fractional } }),
  metadata: { migration: true },
});

async function at(stage: Stage | { fractional: [Stage, number][] }, defaultVariant?: Stage) {
  const file = join(tempDir(), 'flags.json');
  writeAtomically(file, { flags: { 'users-email': { ...migrationFlag(stage), ...(defaultVariant ? { defaultVariant } : {}) } } });
  const provider = new SwitchyardProvider({ source: { type: 'file', path: file } });
  const domain = `migration-${domains++}`;
  await OpenFeature.setProviderAndWait(domain, provider);
  cleanup.push(() => OpenFeature.clearProviders(domain));
  return { provider, client: OpenFeature.getClient(domain) };
}

const READ_RUNS: Record<Stage, string[]> = { off: ['old'], dualwrite: ['old'], shadow: ['old', 'new'], live: ['old', 'new'], rampdown: ['new'], complete: ['new'] };
const READ_ANSWER: Record<Stage, 'old' | 'new'> = { off: 'old', dualwrite: 'old', shadow: 'old', live: 'new', rampdown: 'new', complete: 'new' };
const WRITE_ORDER: Record<Stage, string[]> = { off: ['old'], dualwrite: ['old', 'new'], shadow: ['old', 'new'], live: ['new', 'old'], rampdown: ['new', 'old'], complete: ['new'] };

describe('Migration stage table', () => {
  it('reads and writes exactly as the stage says, for every combination of origins failing (property)', async () => {
    const providers = new Map<Stage, Awaited<ReturnType<typeof at>>>();
    for (const stage of STAGES) providers.set(stage, await at(stage));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...STAGES), fc.boolean(), fc.boolean(), async (stage, oldFails, newFails) => {
        const { provider, client } = providers.get(stage)!;
        const calls: string[] = [];
        const origin = (name: 'old' | 'new', fails: boolean, kind: string) => async () => {
          calls.push(`${kind}:${name}`);
          if (fails) throw new Error(`${name} down`);
          return `${name}-value`;
        };
        const migration = new Migration(provider, {
          flag: 'users-email',
          readOld: origin('old', oldFails, 'read'),
          readNew: origin('new', newFails, 'read'),
          writeOld: origin('old', oldFails, 'write'),
          writeNew: origin('new', newFails, 'write'),
          check: (a, b) => a.replace('old', 'new') === b,
          rollback: false,
          execution: 'sequential',
          logger: quiet,
        });
        const read = await migration.read({ targetingKey: 'u1' }, undefined);
        expect(calls).toEqual(READ_RUNS[stage].map((o) => `read:${o}`));
        const answer = READ_ANSWER[stage];
        const answerFails = answer === 'old' ? oldFails : newFails;
        expect(read.outcome).toMatchObject({ stage, answer });
        expect(read.ok).toBe(!answerFails);
        if (read.ok) expect(read.value).toBe(`${answer}-value`);
        // Compared only when both ran and both answered; equal by the comparator here.
        expect(read.outcome.consistent).toBe(READ_RUNS[stage].length === 2 && !oldFails && !newFails ? true : undefined);

        calls.length = 0;
        const write = await migration.write({ targetingKey: 'u1' }, undefined);
        const [first, second] = WRITE_ORDER[stage];
        const firstFails = first === 'old' ? oldFails : newFails;
        // The authoritative origin first; the other only after it landed.
        expect(calls).toEqual(second && !firstFails ? [`write:${first}`, `write:${second}`] : [`write:${first}`]);
        expect(write.ok).toBe(!firstFails);
        expect(write.outcome.answer).toBe(first);
      }),
      { numRuns: 200 },
    );
  });

  it('a flag that is missing or names no stage runs the default stage', async () => {
    const { provider, client } = await at('live');
    const calls: string[] = [];
    const migration = new Migration(provider, { flag: 'no-such-flag', readOld: () => calls.push('old'), readNew: () => calls.push('new'), writeOld: () => 0, writeNew: () => 0, logger: quiet });
    await migration.read({ targetingKey: 'u' }, undefined);
    expect(calls).toEqual(['old']);
  });

  it('goes back to the previous safe stage for everyone after three inconsistent shadow reads, and tracks them for guards', async () => {
    const { provider, client } = await at('shadow');
    const tracked: string[] = [];
    const untrack = provider.onTrack((e) => tracked.push(e.name));
    cleanup.push(untrack);
    let reads = 0;
    const migration = new Migration(provider, { flag: 'users-email', readOld: () => 'a@x', readNew: () => (++reads % 2 ? 'a@x' : 'WRONG'), writeOld: () => 0, writeNew: () => 0, check: (a, b) => a === b, logger: quiet });
    const answers: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await migration.read({ targetingKey: `u${i}` }, undefined);
      if (r.ok) answers.push(r.value);
    }
    expect(answers.every((a) => a === 'a@x')).toBe(true); // old answered throughout: nobody saw WRONG
    expect(migration.rollbacks()).toMatchObject([{ from: 'shadow', to: 'dualwrite' }]);
    expect(provider.overrides().get('users-email')?.variant).toBe('dualwrite');
    expect(migration.stage({ targetingKey: 'anyone' })).toBe('dualwrite');
    expect(tracked.filter((n) => n === 'error')).toHaveLength(3);
    expect(tracked.filter((n) => n === 'migration').length).toBe(20);
  });

  it('a RolloutGuard compares the stages of a ramp from the migration events, and rolls the failing stage back', async () => {
    // Half the users in shadow, half in dualwrite (control: the default variant). The new origin fails
    // one read in four; the migration leaves decisions to the guard.
    const { provider } = await at({ fractional: [['shadow', 50], ['dualwrite', 50]] }, 'dualwrite');
    const guard = new RolloutGuard(provider, { flags: ['users-email'], minSamples: 50, logger: quiet });
    cleanup.push(() => guard.close());
    let n = 0;
    const migration = new Migration(provider, { flag: 'users-email', readOld: () => 'x', readNew: () => { if (++n % 4 === 0) throw new Error('new down'); return 'x'; }, writeOld: () => 0, writeNew: () => 0, rollback: false, logger: quiet });
    for (let i = 0; i < 2000 && guard.rollbacks().length === 0; i++) await migration.read({ targetingKey: `user-${i}` }, undefined);
    expect(guard.rollbacks()).toMatchObject([{ flag: 'users-email', from: 'shadow', to: 'dualwrite', metric: 'error rate' }]);
    expect(guard.stats()['users-email'].dualwrite.evaluations).toBeGreaterThanOrEqual(50);
    expect(migration.stage({ targetingKey: 'user-1' })).toBe('dualwrite');
  });

  it('in shadow, a hung new origin never holds a read up: old answers at once', async () => {
    const { provider } = await at('shadow');
    const migration = new Migration<string, void, number, void>(provider, { flag: 'users-email', readOld: () => 'old', readNew: () => new Promise<string>(() => {}), writeOld: () => undefined, writeNew: () => undefined, check: (a, b) => a === b, logger: quiet });
    const read = await migration.read({ targetingKey: 'u' }, 1); // would never settle if it waited for new
    expect(read).toMatchObject({ ok: true, value: 'old', outcome: { stage: 'shadow', answer: 'old' } });
  });

  it('from complete there is no automatic way back (old is no longer written): it says so once and keeps serving new', async () => {
    const { provider } = await at('complete');
    const errors: string[] = [];
    let fail = true;
    const migration = new Migration<string, void, number, void>(provider, { flag: 'users-email', readOld: () => 'stale', readNew: () => { if (fail) throw new Error('down'); return 'current'; }, writeOld: () => undefined, writeNew: () => undefined, logger: { warn() {}, error: (m) => errors.push(m) } });
    for (let i = 0; i < 10; i++) await migration.read({ targetingKey: `u${i}` }, 1);
    expect(migration.rollbacks()).toEqual([]);
    expect(errors).toEqual([expect.stringContaining('has no safe stage to go back to by itself')]);
    fail = false;
    expect(await migration.read({ targetingKey: 'u' }, 1)).toMatchObject({ ok: true, value: 'current' });
  });

  it('in live, a failed write to old marks it behind: later disagreements do not send anyone back to a stage where old answers', async () => {
    const { provider } = await at('live');
    const errors: string[] = [];
    const old = new Map<number, string>();
    const next = new Map<number, string>();
    let oldDown = true;
    const migration = new Migration<string | undefined, void, number, { id: number; email: string }>(provider, {
      flag: 'users-email',
      readOld: (id) => old.get(id),
      readNew: (id) => next.get(id),
      writeOld: ({ id, email }) => { if (oldDown) throw new Error('old down'); old.set(id, email); },
      writeNew: ({ id, email }) => void next.set(id, email),
      check: (a, b) => a === b,
      execution: 'sequential',
      logger: { warn() {}, error: (m) => errors.push(m) },
    });
    const written = await migration.write({ targetingKey: 'u1' }, { id: 1, email: 'NEW' });
    expect(written).toMatchObject({ ok: true, outcome: { answer: 'new', origins: { new: { ok: true }, old: { ok: false } } } });
    oldDown = false;
    for (let i = 0; i < 5; i++) expect(await migration.read({ targetingKey: 'u1' }, 1)).toMatchObject({ ok: true, value: 'NEW' }); // disagrees with old
    expect(migration.rollbacks()).toEqual([]);
    expect(errors.some((m) => m.includes('old is behind'))).toBe(true);
    expect(migration.stage({ targetingKey: 'u1' })).toBe('live');
  });

  it('a ramp never moves anyone forward: with users at complete and at shadow, a failing new origin is left to a person', async () => {
    const file = join(tempDir(), 'flags.json');
    writeAtomically(file, { flags: { 'users-email': { ...migrationFlag('shadow'), targeting: { if: [{ in: [{ var: 'targetingKey' }, ['internal-1']] }, 'complete', null] } } } });
    const provider = new SwitchyardProvider({ source: { type: 'file', path: file } });
    await provider.initialize();
    cleanup.push(() => provider.onClose());
    let fail = false;
    const errors: string[] = [];
    const migration = new Migration<string, void, number, void>(provider, { flag: 'users-email', readOld: () => 'v', readNew: () => { if (fail) throw new Error('down'); return 'v'; }, writeOld: () => undefined, writeNew: () => undefined, check: (a, b) => a === b, execution: 'sequential', logger: { warn() {}, error: (m) => errors.push(m) } });
    fail = true;
    for (let i = 0; i < 4; i++) await migration.read({ targetingKey: 'customer' }, 1);
    await migration.read({ targetingKey: 'internal-1' }, 1); // the fifth error, at complete
    expect(migration.stage({ targetingKey: 'customer' })).toBe('shadow'); // not moved forward to live
    expect(migration.stage({ targetingKey: 'internal-1' })).toBe('complete'); // nor back to a stage where stale old answers
    expect(errors).toHaveLength(1);
  });
});
