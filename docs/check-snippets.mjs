#!/usr/bin/env node
// Checks the snippets of README.md and docs/*.md (not docs/api) the way a user meets them: outside the
// workspace, against the packed packages.
//
//   npx --yes pnpm@10.34.9 -r --filter './packages/*' build   # the packages must be built first
//   node docs/check-snippets.mjs
//
// * ```ts / ```tsx blocks: each one is a module of its own in a temporary project that installs the
//   packed @switchyard/* tarballs and the OpenFeature SDKs with npm; `tsc --strict` type-checks them all.
//   Names a snippet takes from the reader's application (`app`, `user`, `Env`, …) come from the small
//   ambient PRELUDE below, and `./flags.json` is examples/flags.json.
// * ```json blocks: must parse (a fragment is read inside `{…}`); a whole flag document must load with
//   no issue.
// * ```sh blocks: `npx switchyard validate | evaluate | lint` lines, and `rollout` lines with `--dry-run`,
//   run verbatim from the repository root and must exit 0; lines naming files the repository does not
//   have (the reader's own `flags.json`) are listed as skipped. `serve`, `curl` and `npm install` are not run.
//
// Exit code 1 if anything fails. Nothing in the repository is written.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const PACKAGES = ['core', 'file', 'node', 'web', 'edge', 'appconfig', 'server', 'cli'];
const keep = process.argv.includes('--keep');

const PRELUDE = `// The reader's application, as the snippets assume it.
import type { Client } from '@openfeature/server-sdk';
import type { Snapshot } from '@switchyard/core';
import type { SwitchyardProvider } from '@switchyard/node';

declare global {
  interface AppRequest { user: { id: string; email: string } }
  interface AppResponse { status(code: number): AppResponse; end(): void; render(view: string, locals?: object): void }
  /** An Express-style application. */
  const app: { post(path: string, handler: (req: AppRequest, res: AppResponse) => unknown): void };
  const user: { id: string; email: string };
  const CLIENT_KEY: string;
  interface Window { __FLAGS__?: object }
  function OnePageCheckout(): null;
  function ClassicCheckout(): null;
  /** Cloudflare's worker types (@cloudflare/workers-types), as far as the snippets use them. */
  interface Env { FLAGS_URL: string; FLAGS_KEY?: string; BLUE_HOST: string; GREEN_HOST: string }
  interface ExecutionContext { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void }
  function userId(request: Request): string;
  function userIdFrom(request: Request): string;
  function newCheckout(request: Request): Promise<Response>;
  function oldCheckout(request: Request): Promise<Response>;
  /** Continuations: what an earlier snippet on the same page made. */
  const provider: SwitchyardProvider;
  const client: Client;
  const snapshot: Snapshot;
  const previous: Snapshot;
  const next: Snapshot;
  const analytics: { send(event: unknown): void };
  const metrics: { record(event: unknown): void };
  const alerting: { page(message: string): void };
  const elapsedMs: number;
}
export {};
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    noEmit: true,
    target: 'es2022',
    module: 'esnext',
    moduleResolution: 'bundler',
    lib: ['es2022', 'dom', 'dom.iterable'],
    types: ['node'],
    jsx: 'react-jsx',
    resolveJsonModule: true,
    skipLibCheck: true,
  },
  include: ['snippets/**/*'],
};

const installed = (dir, name) => JSON.parse(readFileSync(join(root, dir, 'node_modules', name, 'package.json'), 'utf8')).version;

/** Fenced blocks of one markdown file: { lang, line (of the fence), text }. */
function blocks(file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    while (++i < lines.length && !/^```\s*$/.test(lines[i]));
    found.push({ lang: open[1], line: start + 1, text: lines.slice(start + 1, i).join('\n') });
  }
  return found;
}

const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const all = docs.flatMap((file) => blocks(file).map((b) => ({ ...b, file })));
const failures = [];
const report = (ok, what, detail = '') => {
  console.log(`${ok === null ? 'skip' : ok ? 'ok  ' : 'FAIL'}  ${what}${detail ? `  ${detail}` : ''}`);
  if (ok === false) failures.push(what);
};

// --- TypeScript, against the packed packages ---------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), 'switchyard-snippets-'));
try {
  for (const p of PACKAGES) {
    if (!existsSync(join(root, 'packages', p, 'dist'))) throw new Error(`packages/${p}/dist is missing: build the packages first`);
  }
  const packs = join(tmp, 'packs');
  mkdirSync(packs);
  for (const p of PACKAGES) execFileSync('npx', ['--yes', 'pnpm@10.34.9', 'pack', '--pack-destination', packs], { cwd: join(root, 'packages', p), stdio: 'ignore' });
  const tarball = (p) => `file:${join(packs, readdirSync(packs).find((f) => f.startsWith(`switchyard-${p}-`)))}`;
  const switchyard = Object.fromEntries(PACKAGES.map((p) => [`@switchyard/${p}`, tarball(p)]));
  const project = join(tmp, 'project');
  mkdirSync(join(project, 'snippets'), { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        private: true,
        type: 'module',
        dependencies: {
          ...switchyard,
          '@openfeature/server-sdk': installed('packages/node', '@openfeature/server-sdk'),
          '@openfeature/web-sdk': installed('.', '@openfeature/web-sdk'),
          '@openfeature/react-sdk': installed('.', '@openfeature/react-sdk'),
          '@openfeature/core': installed('.', '@openfeature/core'),
          react: installed('.', 'react'),
          '@types/react': '^19',
          pg: installed('packages/server', 'pg'),
          '@types/pg': installed('packages/server', '@types/pg'),
          '@types/node': installed('.', '@types/node'),
          typescript: installed('.', 'typescript'),
        },
        // The tarballs depend on each other by version: take them from here, never from a registry.
        overrides: switchyard,
      },
      null,
      2,
    ),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project, stdio: 'inherit' });
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  writeFileSync(join(project, 'snippets', 'prelude.d.ts'), PRELUDE);
  copyFileSync(join(root, 'examples/flags.json'), join(project, 'snippets', 'flags.json'));

  const typed = all.filter((b) => b.lang === 'ts' || b.lang === 'tsx');
  const names = new Map();
  for (const b of typed) {
    const name = `${b.file.replace(/[/.]/g, '_')}__${b.line}.${b.lang}`;
    names.set(name, b);
    writeFileSync(join(project, 'snippets', name), `${b.text}\nexport {};\n`);
  }
  // tsc reports syntax errors alone when there are any: set such snippets aside and check the rest again.
  const errors = new Map();
  for (;;) {
    const tsc = spawnSync(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', project, '--pretty', 'false'], { cwd: project, encoding: 'utf8' });
    let syntax = false;
    let parsed = 0;
    for (const line of tsc.stdout.split('\n')) {
      const m = /^snippets\/([^(]+)\((\d+),(\d+)\): error TS(\d+): (.*)$/.exec(line);
      if (!m) continue;
      parsed++;
      const b = names.get(m[1]);
      const where = b ? `${b.file}:${b.line + Number(m[2])}` : m[1];
      errors.set(m[1], [...(errors.get(m[1]) ?? []), `${where}: TS${m[4]} ${m[5]}`]);
      if (m[4].startsWith('1') && m[4].length === 4) syntax = true;
    }
    if (tsc.status !== 0 && parsed === 0) report(false, 'tsc', tsc.stdout + tsc.stderr);
    if (!syntax) break;
    for (const name of errors.keys()) rmSync(join(project, 'snippets', name), { force: true });
  }
  for (const [name, b] of names) {
    const problems = errors.get(name);
    report(!problems, `${b.file}:${b.line} ${b.lang}`, problems ? `\n        ${problems.join('\n        ')}` : 'type-checks');
  }
} finally {
  if (keep) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

// --- JSON ---------------------------------------------------------------------------------------
const { parseFlags } = await import(join(root, 'packages/core/dist/index.js'));
for (const b of all.filter((b) => b.lang === 'json')) {
  let value;
  try {
    value = JSON.parse(b.text);
  } catch {
    try {
      value = JSON.parse(`{${b.text}}`);
    } catch (e) {
      report(false, `${b.file}:${b.line} json`, e.message);
      continue;
    }
  }
  // A flag document — not a keys file (`keys`) or a guard's evidence batch (`seq`), which also have `flags`.
  if (value && typeof value.flags === 'object' && !Array.isArray(value.flags) && value.keys === undefined && value.seq === undefined) {
    const result = parseFlags(value);
    const issues = result.issues.map((i) => `${i.path}: ${i.message}`);
    report(result.ok && issues.length === 0, `${b.file}:${b.line} json`, issues.length ? issues.join('; ') : 'a valid flag document');
  } else {
    report(true, `${b.file}:${b.line} json`, 'parses');
  }
}

// --- shell: the CLI -----------------------------------------------------------------------------
for (const b of all.filter((b) => b.lang === 'sh')) {
  const lines = b.text.replace(/\\\n\s*/g, '').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    const m = /^npx switchyard (validate|evaluate|lint|rollout) (\S+)/.exec(line);
    if (!m) return;
    const where = `${b.file}:${b.line + 1 + i}`;
    if (m[1] === 'rollout' && !line.includes('--dry-run')) return report(null, where, 'writes the reader\'s file (rollout without --dry-run)');
    if (!existsSync(join(root, m[2]))) return report(null, where, `the reader's own ${m[2]}`);
    const run = spawnSync('bash', ['-c', line], { cwd: root, encoding: 'utf8' });
    report(run.status === 0, where, run.status === 0 ? line : `exit ${run.status}: ${line}\n${run.stdout}${run.stderr}`);
  });
}

console.log(failures.length ? `\n${failures.length} snippet(s) failed` : '\nevery checked snippet passed');
process.exit(failures.length ? 1 : 0);
