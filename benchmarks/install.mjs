// Node install size and start-up: what a Node-only user gets from `npm install @switchyard/node
// @openfeature/server-sdk` — Switchyard's packages packed with pnpm as they would be published, installed
// with npm into an empty directory outside the workspace — beside flagd-core and the flagd provider
// installed the same way; the time to import each in fresh processes; and `switchyard validate`
// start-up, with whether any AWS SDK module loads. Written to benchmarks/README.md (section "install").
//
//   node install.mjs         (BENCH_RUNS=N processes per measurement, default 21)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesUnder, installedPackages, isAws, loadedPackages } from './node-modules.mjs';
import { writeSection } from './report.mjs';
import { median } from './stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const TARGETS = { installMB: 5, importMs: 40 }; // the team's targets for a Node-only install
const FLAGD_PROVIDER = '0.16.1'; // not a benchmarks dependency (it would bring gRPC into the workspace), so pinned here
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PNPM = ['--yes', 'pnpm@10.34.9'];
const HOOK = fileURLToPath(new URL('./loaded-modules.mjs', import.meta.url));
const read = (path) => JSON.parse(readFileSync(path, 'utf8'));
const benchDeps = read(new URL('./package.json', import.meta.url)).dependencies;
// The versions the evaluation benchmarks run against, installed exactly.
const SDK_VERSION = read(new URL('./node_modules/@openfeature/server-sdk/package.json', import.meta.url)).version;
const SDK = `@openfeature/server-sdk@${SDK_VERSION}`;
const FLAGD_CORE = `@openfeature/flagd-core@${benchDeps['@openfeature/flagd-core']}`;

const work = mkdtempSync(join(tmpdir(), 'switchyard-install-'));
try {
  const tarballs = pack('@switchyard/node', join(work, 'tarballs'));
  const installs = [
    { name: 'switchyard', title: `**@switchyard/node** + server-sdk ${SDK_VERSION}`, specs: [...tarballs.map((t) => t.file), SDK] },
    { name: 'flagd-core', title: `@openfeature/flagd-core ${benchDeps['@openfeature/flagd-core']} + server-sdk ${SDK_VERSION}`, specs: [FLAGD_CORE, SDK] },
    { name: 'flagd-provider', title: `@openfeature/flagd-provider ${FLAGD_PROVIDER} + server-sdk ${SDK_VERSION}`, specs: [`@openfeature/flagd-provider@${FLAGD_PROVIDER}`, SDK] },
  ].map((i) => ({ ...i, ...install(join(work, i.name), i.specs) }));
  const [ours, flagdCore, flagdProvider] = installs;
  const local = ours.packages.filter((p) => p.name.startsWith('@switchyard/'));
  if (local.some((p) => !p.resolved?.startsWith('file:'))) throw new Error(`@switchyard packages not from the packed tarballs: ${JSON.stringify(local)}`);

  const imports = timeImports([
    { label: '`@openfeature/server-sdk` alone (floor)', dir: ours.dir, spec: '@openfeature/server-sdk' },
    { label: '**`@switchyard/node`**', dir: ours.dir, spec: '@switchyard/node' },
    { label: '`@openfeature/flagd-core`', dir: flagdCore.dir, spec: '@openfeature/flagd-core' },
    { label: '`@openfeature/flagd-provider`', dir: flagdProvider.dir, spec: '@openfeature/flagd-provider' },
  ]);
  const nodeLoads = loaded(ours.dir, ['--input-type=module', '-e', "await import('@switchyard/node')"], join(work, 'import.log'));
  const cli = timeValidate();
  cli.loads = loaded(ROOT, [join(ROOT, 'packages/cli/bin/switchyard.js'), 'validate', 'examples/flags.json'], join(work, 'validate.log'));

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    npm: execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim(),
    runs: RUNS,
    targets: TARGETS,
    packed: tarballs.map((t) => t.name),
    installs: installs.map(({ name, title, specs, packages, bytes }) => ({ name, title, specs: specs.map((s) => s.replace(work, '')), bytes, packages, aws: packages.map((p) => p.name).filter(isAws) })),
    imports,
    importLoads: { packages: nodeLoads, aws: nodeLoads.filter(isAws) },
    validate: { ...cli, aws: cli.loads.filter(isAws) },
  };
  for (const i of results.installs) console.log(`${i.name.padEnd(15)} ${(i.bytes / 1e6).toFixed(2)} MB  ${i.packages.length} packages  aws: ${i.aws.length}`);
  for (const i of imports) console.log(`import ${i.spec.padEnd(28)} ${i.importMs.toFixed(1)} ms (process ${i.wallMs.toFixed(0)} ms)`);
  console.log(`validate ${cli.wallMs.toFixed(0)} ms (node alone ${cli.nodeMs.toFixed(0)} ms), loads ${cli.loads.length} packages, aws: ${results.validate.aws.length}`);
  await writeSection('install', render(results), results);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Packs `name` and the workspace packages it depends on (as `pnpm pack` would publish them) into `dir`. */
function pack(name, dir) {
  mkdirSync(dir, { recursive: true });
  const workspace = new Map(readdirSync(join(ROOT, 'packages')).map((d) => [read(join(ROOT, 'packages', d, 'package.json')).name, join(ROOT, 'packages', d)]));
  const needed = new Set();
  const visit = (n) => {
    if (needed.has(n)) return;
    needed.add(n);
    for (const dep of Object.keys(read(join(workspace.get(n), 'package.json')).dependencies ?? {})) if (workspace.has(dep)) visit(dep);
  };
  visit(name);
  return [...needed].map((n) => {
    const before = new Set(readdirSync(dir));
    execFileSync('npx', [...PNPM, 'pack', '--pack-destination', dir], { cwd: workspace.get(n), stdio: 'ignore' });
    const file = readdirSync(dir).find((f) => !before.has(f));
    return { name: n, file: join(dir, file) };
  });
}

/** `npm install specs` into an empty `dir`; the packages installed and the bytes of node_modules. */
function install(dir, specs) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'node-user', private: true })}\n`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return { dir, packages: installedPackages(dir), bytes: bytesUnder(join(dir, 'node_modules')) };
}

/** Median import time (measured inside the process) and whole-process time over RUNS fresh processes, alternating specs. */
function timeImports(targets) {
  const script = 'const t0 = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t0));';
  const times = targets.map(() => ({ importMs: [], wallMs: [] }));
  for (let r = 0; r < RUNS; r++) {
    for (const [i, t] of targets.entries()) {
      const t0 = performance.now();
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, t.spec], { cwd: t.dir, encoding: 'utf8' });
      const wall = performance.now() - t0;
      if (run.status !== 0) throw new Error(`import('${t.spec}') failed: ${run.stderr}`);
      times[i].importMs.push(Number(run.stdout));
      times[i].wallMs.push(wall);
    }
  }
  return targets.map((t, i) => ({ label: t.label, spec: t.spec, importMs: median(times[i].importMs), wallMs: median(times[i].wallMs) }));
}

/** `switchyard validate examples/flags.json` from the workspace, whole process, beside `node -e 0` (Node's own start-up). */
function timeValidate() {
  const commands = [[join(ROOT, 'packages/cli/bin/switchyard.js'), 'validate', 'examples/flags.json'], ['-e', '0']];
  const times = commands.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    for (const [i, args] of commands.entries()) {
      const t0 = performance.now();
      const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
      times[i].push(performance.now() - t0);
      if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
    }
  }
  return { wallMs: median(times[0]), nodeMs: median(times[1]) };
}

/** The packages a `node args` process loads, recorded by loaded-modules.mjs. */
function loaded(cwd, args, log) {
  const run = spawnSync(process.execPath, ['--import', HOOK, ...args], { cwd, encoding: 'utf8', env: { ...process.env, LOADED_MODULES_LOG: log } });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return loadedPackages(log);
}

function render({ date, node, npm, runs, installs, imports, importLoads, validate, targets, packed }) {
  const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
  const met = (ok) => (ok ? 'met' : '**not met**');
  const [ours] = installs;
  const list = (names) => (names.length <= 10 ? `: ${names.join(', ')}` : '');
  const awsText = (names) => (names.length === 0 ? 'none' : `**${names.length}** (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`);
  const largest = [...ours.packages].sort((a, b) => b.bytes - a.bytes).slice(0, 4);
  const floor = imports[0];
  const node_ = imports.find((i) => i.spec === '@switchyard/node');
  return [
    `Measured ${date.slice(0, 10)} on Node ${node}, npm ${npm}. Each set installed with \`npm install\` into an empty directory outside the workspace; Switchyard's packages (${packed.join(', ')}) packed with \`pnpm pack\`, as they would be published. Size = bytes of every file in \`node_modules\` (1 MB = 10⁶ B); AWS = \`@aws-sdk/*\`, \`@smithy/*\`, \`@aws-crypto/*\`.`,
    '',
    '| install | packages | node_modules | AWS SDK packages | target |',
    '|---|---:|---:|---:|---|',
    ...installs.map((i, n) => `| ${i.title} | ${i.packages.length} | ${n === 0 ? `**${mb(i.bytes)}**` : mb(i.bytes)} | ${awsText(i.aws)} | ${n === 0 ? `≤ ${targets.installMB} MB, no @aws-sdk: ${met(i.bytes <= targets.installMB * 1e6 && !i.aws.some((a) => a.startsWith('@aws-sdk/')))}` : ''} |`),
    '',
    `Largest packages in the Switchyard install: ${largest.map((p) => `${p.name} ${mb(p.bytes)}`).join(', ')}.`,
    '',
    `Start-up, median of ${runs} fresh processes (alternating): the import measured inside the process, and the whole process in brackets.`,
    '',
    '| measurement | median | target |',
    '|---|---:|---|',
    ...imports.map((i) => `| \`import()\` ${i.label} | ${i === node_ ? `**${i.importMs.toFixed(1)} ms**` : `${i.importMs.toFixed(1)} ms`} (${i.wallMs.toFixed(0)} ms) | ${i === node_ ? `≤ ${targets.importMs} ms: ${met(i.importMs <= targets.importMs)} (${(i.importMs - floor.importMs).toFixed(1)} ms over the floor)` : ''} |`),
    `| \`switchyard validate examples/flags.json\` (workspace CLI), whole process | **${validate.wallMs.toFixed(0)} ms** (\`node -e 0\`: ${validate.nodeMs.toFixed(0)} ms) | |`,
    '',
    `AWS SDK packages loaded: by \`import('@switchyard/node')\` ${awsText(importLoads.aws)} (${importLoads.packages.length} packages loaded${list(importLoads.packages)}); by \`switchyard validate\` ${awsText(validate.aws)} (${validate.loads.length} packages loaded${list(validate.loads)}) — target "validate starts without AWS": ${met(validate.aws.length === 0)}. Recorded with \`node --import ./loaded-modules.mjs\` (every ES module resolved and every CommonJS file required).`,
  ].join('\n');
}
