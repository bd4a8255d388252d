import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, file } from './helpers.js';

// Migration flags in `validate` (the variant set) and `lint` (stuck in a stage, complete and due to be
// contracted), with ages from a real git history.

const STAGES = ['off', 'dualwrite', 'shadow', 'live', 'rampdown', 'complete'];
const migration = (stage: string, extra: object = {}) => ({
  state: 'ENABLED',
  variants: Object.fromEntries(STAGES.map((s) => [s, s])),
  defaultVariant: stage,
  metadata: { migration: true, owner: 'accounts' },
  ...extra,
});

describe('migration flags in the CLI', () => {
  it('validate accepts a migration flag with the six stages and names what a broken one lacks', async () => {
    expect((await cli('validate', file('good-migration.json', { flags: { m: migration('off') } }))).code).toBe(0);
    const broken = { ...migration('off'), variants: { off: 'off', dualwrite: 'dualwrite', live: 'LIVE', extra: 'extra' } };
    const r = await cli('validate', file('bad-migration.json', { flags: { m: broken } }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('flags.m.variants: a migration flag needs the variants off, dualwrite, shadow, live, rampdown, complete; missing shadow, rampdown, complete');
    expect(r.stderr).toContain('flags.m.variants: a migration flag has only the stages as variants; not extra');
    expect(r.stderr).toContain('flags.m.variants: variant "live" must have the value "live"');
  });

  it('lint reports a migration stuck in a stage, and one complete for a week, from the git history', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'switchyard-migrations-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_AUTHOR_DATE: '2026-10-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-10-01T00:00:00Z' } });
    git('init', '-q');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 't');
    const flags = join(repo, 'flags.json');
    writeFileSync(flags, JSON.stringify({ flags: { stuck: migration('shadow'), done: migration('complete'), fresh: migration('off'), ramp: migration('off', { targeting: { fractional: [['live', 50], ['shadow', 50]] } }) } }));
    git('add', '.');
    git('commit', '-qm', 'migrations');
    const r = await cli('lint', flags, '--now', '2026-11-01T00:00:00Z', '--json');
    const findings = JSON.parse(r.stdout).findings.filter((f: { rule: string }) => f.rule === 'migration');
    const byFlag = Object.fromEntries(findings.map((f: { flag: string; message: string }) => [f.flag, f.message]));
    expect(byFlag.stuck).toBe('in stage "shadow" for 31 days (since 2026-10-01), over 14: move it on or back');
    expect(byFlag.done).toBe('complete for 31 days (since 2026-10-01): contract it — delete the old path, then the flag');
    expect(byFlag.ramp).toBe('in a ramp between stages for 31 days (since 2026-10-01), over 14: move it on or back');
    expect(byFlag.fresh).toBeUndefined(); // off: not started, nothing to report
    const relaxed = await cli('lint', flags, '--now', '2026-11-01T00:00:00Z', '--json', '--migration-stuck-days', '60');
    expect(JSON.parse(relaxed.stdout).findings.filter((f: { flag: string; rule: string }) => f.rule === 'migration' && f.flag === 'stuck')).toEqual([]);
    // No generic "candidate for removal" for a migration flag: its stage is not a settled rollout.
    expect(JSON.parse(r.stdout).findings.filter((f: { rule: string; flag: string }) => f.rule === 'remove')).toEqual([]);
  });
});
