// `switchyard lint` on a fixture codebase (test/fixtures/lint) inside a real git repository whose
// history the test writes with fixed commit dates.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/lint/', import.meta.url));
const NOW = '2026-11-23T12:00:00Z';
type Doc = { flags: Record<string, { targeting?: unknown }> };

let repo: string;
const git = (args: string[], date?: string) =>
  execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });
const split = (on: number) => ({ fractional: [['on', on], ['off', 100 - on]] });

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'switchyard-lint-'));
  cpSync(FIXTURE, repo, { recursive: true });
  // Vendored code (never the project's own) is skipped.
  mkdirSync(join(repo, 'src/node_modules/vendored'), { recursive: true });
  writeFileSync(join(repo, 'src/node_modules/vendored/index.js'), "export const x = (c) => c.getBooleanValue('vendored-flag', false);\n");
  const final = JSON.parse(readFileSync(join(repo, 'flags.json'), 'utf8')) as Doc;
  const write = (doc: Doc) => writeFileSync(join(repo, 'flags.json'), JSON.stringify(doc, null, 2));
  const at = (edit: (doc: Doc) => void) => {
    const doc = structuredClone(final);
    edit(doc);
    return doc;
  };
  git(['init', '-q']);
  // June: everything added; dark-mode and fresh-rollout at 50% and 20%.
  write(at((d) => ((d.flags['dark-mode'].targeting = split(50)), (d.flags['fresh-rollout'].targeting = split(20)))));
  git(['add', '.']);
  git(['commit', '-qm', 'flags'], '2026-06-01T10:00:00Z');
  // November 1st: dark-mode to 100%.
  write(at((d) => (d.flags['fresh-rollout'].targeting = split(20))));
  git(['commit', '-qam', 'dark-mode 100%'], '2026-11-01T10:00:00Z');
  // Today, not committed yet: fresh-rollout to 100%.
  write(final);
});

describe('switchyard lint', () => {
  it('reports every lifecycle problem of the fixture and exits 1 for the errors', async () => {
    const run = await cli('lint', join(repo, 'flags.json'), '--code', join(repo, 'src'), '--now', NOW);
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toContain('9 flags, 2 source files');
    expect(lines[0]).toContain('ages from git history');
    const found = (rule: string, flag: string) => lines.find((l) => new RegExp(`^\\w+\\s+${rule}\\s+${flag}\\s`).test(l));
    expect(found('expired', 'old-banner')).toMatch(/^error .*expired on 2026-10-01 \(53 days ago\); owner marketing/);
    expect(found('undefined', 'new-chekout')).toMatch(/^error .*checkout\.ts:11 evaluates a flag the file does not define/);
    expect(found('stale-rollout', 'new-search')).toMatch(/^warning .*still rolling out \(10% on "on"\) 175 days after it was added on 2026-06-01/);
    expect(found('remove', 'dark-mode')).toMatch(/at 100% for 22 days \(unchanged since 2026-11-01\): a candidate for removal/);
    expect(found('remove', 'legacy-toggle')).toMatch(/serves "on" to everyone for 175 days/);
    expect(found('unreferenced', 'legacy-toggle')).toContain('never referenced');
    expect(found('remove', 'old-experiment')).toMatch(/disabled for 175 days/);
    expect(found('metadata', 'bad-type')).toContain('type "feature" is not one of release, experiment, operational, permission');
    // Not reported: a rollout finished today, long-lived flag types, flags the code uses, vendored code.
    expect(found('remove', 'fresh-rollout')).toBeUndefined();
    expect(found('remove', 'payments-kill')).toBeUndefined();
    expect(found('unreferenced', 'payments-kill')).toBeUndefined(); // referenced through a constant
    expect(run.stdout).not.toContain('vendored-flag');
    expect(lines.at(-1)).toBe('2 errors, 9 warnings');
  });

  it('prints JSON for tools, and fails on warnings only with --strict', async () => {
    const clean = join(repo, 'clean.json');
    writeFileSync(clean, JSON.stringify({ flags: { 'new-search': JSON.parse(readFileSync(join(repo, 'flags.json'), 'utf8')).flags['new-search'] } }));
    const json = await cli('lint', clean, '--code', join(repo, 'src'), '--now', NOW, '--json');
    expect(json.code).toBe(1); // new-chekout and friends are undefined in this file
    const report = JSON.parse(json.stdout);
    expect(report.history).toBe('mtime'); // untracked: ages from the file's modification time
    expect(report.findings.filter((f: { rule: string }) => f.rule === 'undefined').map((f: { flag: string }) => f.flag).sort()).toEqual(['beta-access', 'dark-mode', 'fresh-rollout', 'new-chekout', 'old-banner']); // evaluation calls with a literal key
    const noCode = await cli('lint', clean, '--now', NOW);
    expect(noCode.code).toBe(0); // a fresh untracked file: nothing is old yet
    expect(noCode.stdout).toContain('0 errors, 0 warnings');
    const legacy = join(repo, 'legacy.json');
    writeFileSync(legacy, JSON.stringify({ flags: { legacy: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } } }));
    expect((await cli('lint', legacy, '--now', NOW)).code).toBe(0); // "no owner" is a warning
    expect((await cli('lint', legacy, '--now', NOW, '--strict')).code).toBe(1);
    expect((await cli('lint', legacy, '--rollout-max-days', 'ninety')).code).toBe(2);
  });

  it('names a lifecycle key it would otherwise ignore, unless the key it reads is there too', async () => {
    const file = join(repo, 'slips.json');
    const flag = (metadata: object) => ({ state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', metadata: { owner: 'web', ...metadata } });
    writeFileSync(file, JSON.stringify({ flags: { a: flag({ expires: '2020-01-01' }), b: flag({ expirationDate: '2020-01-01', Owner: 'x' }), c: flag({ expires: 'soon', expiry: '2099-01-01' }) } }));
    const report = JSON.parse((await cli('lint', file, '--now', NOW, '--json')).stdout);
    const slips = report.findings.filter((f: { rule: string }) => f.rule === 'metadata').map((f: { flag: string; message: string }) => `${f.flag}: ${f.message}`);
    expect(slips.sort()).toEqual([
      'a: metadata.expires is not read: lint reads metadata.expiry',
      'b: metadata.expirationDate is not read: lint reads metadata.expiry',
    ]);
    // A warning: the flag (expired under its misspelt key) fails CI with --strict.
    expect((await cli('lint', file, '--now', NOW, '--strict')).code).toBe(1);
  });
});
