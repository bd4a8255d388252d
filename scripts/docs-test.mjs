#!/usr/bin/env node
// The docs, tested as a newcomer meets them: README.md, docs/*.md (not docs/api), packages/*/README.md
// and examples/edge, against the packed packages installed from their tarballs in a fresh npm project
// outside the workspace.
//
//   bash scripts/setup.sh && bash scripts/chromium.sh   # the built packages, Debian's chromium
//   node scripts/docs-test.mjs [--keep] [FILE.md …]      # FILE.md: only those pages (the rest is skipped)
//
// 1. Every published package (packages/* not private) is packed with pnpm into a temporary directory
//    (os.tmpdir()); a fresh npm project there installs the tarballs — npm `overrides` map every
//    @switchyard/* name to its tarball, so nothing of ours comes from a registry — plus the OpenFeature
//    SDKs, React, pg and TypeScript at the versions the workspace uses.
// 2. ```ts / ```tsx blocks: each is a module; `tsc --strict` type-checks them all (`./flags.json` is
//    examples/flags.json). What a snippet takes from the reader's own application (their web
//    framework, worker types, components) is in scripts/docs-test/prelude.d.ts; `provider`, `client` and
//    `snapshot` may be used without a definition only where an earlier snippet on the same page defines
//    them. Runnable Node blocks are also checked with `module: nodenext` and `skipLibCheck: false`.
// 3. ```json blocks must parse (a fragment inside `{…}`); a flag document must load with no issue.
// 4. ```sh blocks: `npx switchyard validate|evaluate|lint|rollout --dry-run FILE` lines run, with the
//    installed CLI, in a directory holding a copy of examples/ (FILE must be there, else: skipped as the
//    reader's own file); `npm install` lines must name only packages that exist (@switchyard/* ones
//    are the tarballs) and are not run.
// 5. Runnable blocks, marked by an HTML comment on the line before the fence (invisible on GitHub):
//
//      <!-- run: file NAME -->      the block is saved as NAME in the page's directory (a flags file)
//      <!-- run: sh -->             every line runs, in order, in the page's directory (bash); a
//                                   `npx switchyard serve` line runs in the background until the page is
//                                   done; `npm install` / `npm init` lines are checked as in 4, not run
//      <!-- run: node-esm [file=NAME.mjs] [serve=PATH] [prints="TEXT"] -->   `node NAME.mjs`, verbatim
//      <!-- run: node-cjs [file=NAME.cjs] [serve=PATH] [prints="TEXT"] -->   `node NAME.cjs`, verbatim
//      <!-- run: browser [serve=PATH] [prints="TEXT"] -->   bundled with esbuild, loaded in headless
//                                   Chromium from http://localhost:PAGE_PORT; TEXT is looked for in the
//                                   page's console
//      <!-- run: edge [dir=PATH] [serve=PATH] [prints="TEXT"] -->   bundled as a worker and run in
//                                   workerd (Miniflare); one GET /, which must answer 200 with TEXT in
//                                   its body; `dir` copies that repository directory beside the worker
//
//    Each page runs in its own empty directory (under the temporary project, so `npx switchyard` is the
//    installed CLI, as after `npm install --save-dev @switchyard/cli`). A run needs a flag server: the one
//    a `sh` block of the page started, or, with `serve=PATH` (a repository file), one the harness starts
//    (`switchyard serve` of a copy of PATH, `--store memory`, with `--cors` for the page's origin).
//    `prints` may list alternatives separated by `|`. A Node script must exit by itself within 30 s.
//
//    The only substitutions: a server listens on a free port (`--port 0`) and `127.0.0.1:8013` /
//    `localhost:8013` in the page's later blocks become its address; the page's origin
//    `http://localhost:5173` (Vite's default, in `--cors`) becomes http://localhost:PAGE_PORT. Worker
//    bindings: FLAGS_URL (the server), BLUE_ORIGIN and GREEN_ORIGIN (two origins answering
//    "blue PATH" / "green PATH").
// 6. Links: relative ones and those into this repository on GitHub resolve, anchors included
//    (scripts/docs-test/links.mjs).
// 7. examples/edge (worker.ts) runs in workerd against a real `switchyard serve` and two origins: a new
//    user gets a cookie and is proxied to an origin, stays there, and a kill switch turned on at the
//    server sends them to blue.
//
// Binds only 127.0.0.1, writes nothing into the repository, stops every server, worker and browser it
// started (also on failure), gives up after 5 minutes. Exit 1 listing each failing check (file:line),
// 0 when all pass; the last line is `docs: N passed, N failed, N skipped`.
import { checkLinks } from './docs-test/links.mjs';
import { assertBuilt, pack, publishedPackages } from './packages.mjs';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const started = Date.now();
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const TOTAL_MS = 5 * 60_000;
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = args.filter((a) => !a.startsWith('--'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// Test tools come from the workspace (scripts/setup.sh installs them); everything of ours from tarballs.
const workspace = createRequire(join(root, 'package.json'));
const edgeWorkspace = createRequire(join(root, 'packages/edge/package.json'));

// --- results ------------------------------------------------------------------------------------
const counts = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
function report(ok, where, detail = '') {
  const text = String(detail).trimEnd();
  console.log(`${ok === null ? 'skip' : ok ? 'ok  ' : 'FAIL'}  ${where}${text ? `  ${text.replace(/\n/g, '\n        ')}` : ''}`);
  if (ok === null) counts.skipped++;
  else if (ok) counts.passed++;
  else {
    counts.failed++;
    failures.push(`${where}  ${text.split('\n')[0]}`);
  }
}
const clip = (text, max = 1500) => (text.length > max ? `${text.slice(0, max)}…` : text);

// --- what we start, and stop ---------------------------------------------------------------------
const groups = new Set(); // process groups (detached children)
const closers = new Set(); // async closers (browser, http servers, miniflare)
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {}
}
async function stopGroup(child) {
  if (!groups.has(child.pid)) return;
  groups.delete(child.pid);
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
  killGroup(child.pid, 'SIGTERM'); // `switchyard serve` closes its streams and exits 0
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
  killGroup(child.pid, 'SIGKILL'); // whatever is left in its group
}
async function closeAll() {
  for (const close of [...closers].reverse()) {
    closers.delete(close);
    await Promise.race([close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  }
  for (const pid of groups) killGroup(pid, 'SIGKILL');
  groups.clear();
}
process.on('exit', () => {
  for (const pid of groups) killGroup(pid, 'SIGKILL');
});
let tmp;
let finishing = false;
async function finish(code) {
  if (finishing) return;
  finishing = true;
  await closeAll();
  if (tmp) {
    if (keep) console.log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  if (failures.length) console.log(`\nfailed:\n  ${failures.join('\n  ')}`);
  console.log(`\ndocs checked in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`docs: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  process.exit(code);
}
const deadline = setTimeout(() => {
  report(false, 'docs-test', `gave up after ${TOTAL_MS / 60_000} minutes`);
  void finish(1);
}, TOTAL_MS);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void finish(130));

/** Runs a command (its own process group), bounded in time; never throws. */
function run(command, commandArgs, { cwd, timeoutMs = 60_000, env, input } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    groups.add(child.pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      stderr += String(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      groups.delete(child.pid);
      killGroup(child.pid, 'SIGKILL'); // anything it left behind in its group
      resolve({ status, stdout, stderr, timedOut });
    });
  });
}

// --- the docs -----------------------------------------------------------------------------------
const KINDS = new Set(['file', 'sh', 'node-esm', 'node-cjs', 'browser', 'edge']);
const OPTIONS = new Set(['file', 'serve', 'prints', 'dir']);

/** Fenced blocks of one markdown file: { file, lang, line (of the fence), text, run?, markerError? }. */
function blocks(file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    while (++i < lines.length && !/^```\s*$/.test(lines[i]));
    const block = { file, lang: open[1], line: start + 1, text: lines.slice(start + 1, i).join('\n') };
    const marker = /^<!--\s*run:\s*(.*?)\s*-->\s*$/.exec(lines[start - 1] ?? '');
    if (marker) Object.assign(block, parseMarker(marker[1]));
    found.push(block);
  }
  return found;
}

function parseMarker(text) {
  const [kind, ...rest] = text.match(/\S+="[^"]*"|\S+/g) ?? [];
  const run = { kind, options: {} };
  if (!KINDS.has(kind)) return { run, markerError: `unknown run kind "${kind}"` };
  for (const token of rest) {
    const m = /^([\w-]+)=(?:"([^"]*)"|(\S+))$/.exec(token);
    if (!m && kind === 'file' && !run.options.file) run.options.file = token;
    else if (!m || !OPTIONS.has(m[1])) return { run, markerError: `unknown run option "${token}"` };
    else run.options[m[1]] = m[2] ?? m[3];
  }
  if (kind === 'file' && !run.options.file) return { run, markerError: 'run: file needs a NAME' };
  return { run };
}

const mdFiles = (dir) => (existsSync(join(root, dir)) ? readdirSync(join(root, dir)).filter((f) => f.endsWith('.md')).map((f) => `${dir}/${f}`) : []);
const pages = [
  'README.md',
  ...mdFiles('docs'),
  ...readdirSync(join(root, 'packages')).flatMap((p) => (existsSync(join(root, 'packages', p, 'README.md')) ? [`packages/${p}/README.md`] : [])),
  ...readdirSync(join(root, 'examples')).flatMap((p) => (existsSync(join(root, 'examples', p, 'README.md')) ? [`examples/${p}/README.md`] : [])),
].filter((f) => only.length === 0 || only.some((o) => relative(root, join(process.cwd(), o)) === f || o === f));
const all = pages.flatMap(blocks);
const where = (b, offset = 0) => `${b.file}:${b.line + offset}`;
console.log(`docs-test: ${pages.length} pages, ${all.length} blocks`);
for (const b of all) if (b.markerError) report(false, where(b, -1), b.markerError);
// The quickstarts stay runnable: a marker removed by mistake fails here instead of silently running less.
const REQUIRED = { 'README.md': ['node-esm', 'edge'], 'docs/getting-started.md': ['file', 'sh', 'node-esm', 'browser', 'edge'], 'docs/node.md': ['node-esm', 'node-cjs'], 'docs/web.md': ['browser'] };
for (const [file, kinds] of Object.entries(REQUIRED)) {
  if (!pages.includes(file)) continue;
  const missing = kinds.filter((kind) => !all.some((b) => b.file === file && b.run?.kind === kind && !b.markerError));
  if (missing.length) report(false, file, `no runnable block of kind ${missing.join(', ')} (<!-- run: KIND --> before its fence)`);
}

// --- the packages, packed and installed ---------------------------------------------------------
const PACKAGES = publishedPackages(root);
const OURS = new Set(PACKAGES.map((p) => p.manifest.name));
/** The version the workspace uses (root first, then the packages' own node_modules). */
function installed(name) {
  for (const dir of ['.', ...PACKAGES.map((p) => relative(root, p.dir))]) {
    const manifest = join(root, dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')).version;
  }
  throw new Error(`${name} is not installed in the workspace: run bash scripts/setup.sh`);
}
// What the snippets import besides our packages (pg: docs/migrations.md), and the compiler.
const THIRD_PARTY_NAMES = ['@openfeature/server-sdk', '@openfeature/web-sdk', '@openfeature/react-sdk', '@openfeature/core', 'react', 'pg', '@types/pg', '@types/node', 'typescript'];
const THIRD_PARTY = {};

tmp = mkdtempSync(join(tmpdir(), 'switchyard-docs-'));
const app = join(tmp, 'app');
const appRequire = createRequire(join(app, 'package.json'));
const NPX_ENV = { npm_config_yes: 'false', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' }; // npx never downloads

async function install() {
  for (const name of THIRD_PARTY_NAMES) THIRD_PARTY[name] = installed(name);
  THIRD_PARTY['@types/react'] = '^19';
  assertBuilt(root, PACKAGES);
  const packs = join(tmp, 'packs');
  mkdirSync(packs);
  const ours = Object.fromEntries(PACKAGES.map((p) => [p.manifest.name, `file:${pack(p, packs)}`]));
  mkdirSync(app);
  // The tarballs depend on each other by version: overrides take them from here, never from a registry.
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'docs-test-app', private: true, type: 'module', dependencies: { ...ours, ...THIRD_PARTY }, overrides: ours }, null, 2));
  const npm = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, timeoutMs: 240_000 });
  if (npm.status !== 0) throw new Error(`npm install${npm.timedOut ? ' timed out' : ''}: ${npm.stdout}${npm.stderr}`);
  const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
  const fromRegistry = Object.entries(lock.packages).filter(([path, p]) => OURS.has(path.replace(/^.*node_modules\//, '')) && !String(p.resolved).startsWith('file:'));
  if (fromRegistry.length) throw new Error(`from a registry instead of the tarballs: ${fromRegistry.map(([path]) => path).join(', ')}`);
  report(true, 'install', `${PACKAGES.length} tarballs (${[...OURS].join(', ')}) + ${Object.keys(THIRD_PARTY).join(', ')}`);
}

// --- TypeScript ---------------------------------------------------------------------------------
const CONTINUATIONS = {
  provider: "import('@switchyard/node').SwitchyardProvider",
  client: "import('@openfeature/server-sdk').Client",
  snapshot: "import('@switchyard/core').Snapshot",
};
const defines = (text, name) => new RegExp(`\\b(?:const|let|var|function|class)\\s+${name}\\b|\\bimport\\b[^;]*\\b${name}\\b[^;]*\\bfrom\\b`).test(text);
const uses = (text, name) => new RegExp(`(?<![.\\w$])${name}\\b`).test(text);

/** One tsc run over `files` ({ name: { block, text, offset } }); problems per file name. */
async function typecheck(project, compilerOptions, files) {
  mkdirSync(join(project, 'snippets'), { recursive: true });
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['snippets/**/*'] }, null, 2));
  for (const [name, f] of Object.entries(files)) writeFileSync(join(project, 'snippets', name), f.text);
  const errors = new Map();
  // tsc reports syntax errors alone when there are any: set such snippets aside and check the rest again.
  for (;;) {
    const tsc = await run(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', project, '--pretty', 'false'], { cwd: project, timeoutMs: 150_000 });
    let syntax = false;
    let parsed = 0;
    for (const line of tsc.stdout.split('\n')) {
      const m = /^(?:snippets\/([^(]+)|(.+?))\((\d+),(\d+)\): error TS(\d+): (.*)$/.exec(line);
      if (!m) continue;
      parsed++;
      const f = files[m[1]];
      const at = f ? where(f.block, Number(m[3]) - f.offset) : `${m[2]}:${m[3]}`;
      const key = m[1] ?? '(libraries)';
      errors.set(key, [...(errors.get(key) ?? []), `${at}: TS${m[5]} ${m[6]}`]);
      if (f && /^1\d{3}$/.test(m[5])) syntax = true;
    }
    if (tsc.status !== 0 && parsed === 0) errors.set('(tsc)', [clip(`${tsc.timedOut ? 'timed out ' : ''}${tsc.stdout}${tsc.stderr}`)]);
    if (!syntax) break;
    for (const name of errors.keys()) rmSync(join(project, 'snippets', name), { force: true });
  }
  return errors;
}

async function typecheckSnippets() {
  const typed = all.filter((b) => b.lang === 'ts' || b.lang === 'tsx');
  const files = {};
  for (const b of typed) {
    const earlier = all.filter((o) => o.file === b.file && o.line < b.line && (o.lang === 'ts' || o.lang === 'tsx'));
    const declared = Object.entries(CONTINUATIONS)
      .filter(([name]) => uses(b.text, name) && !defines(b.text, name) && earlier.some((o) => defines(o.text, name)))
      .map(([name, type]) => `declare const ${name}: ${type};`);
    const name = `${b.file.replace(/[/.]/g, '_')}__${b.line}.${b.lang}`;
    files[name] = { block: b, text: `${declared.join(' ')}\n${b.text}\nexport {};\n`, offset: 1 };
  }
  const project = join(app, 'typecheck');
  mkdirSync(join(project, 'snippets'), { recursive: true });
  writeFileSync(join(project, 'snippets', 'prelude.d.ts'), readFileSync(join(root, 'scripts/docs-test/prelude.d.ts')));
  cpSync(join(root, 'examples/flags.json'), join(project, 'snippets', 'flags.json'));
  const errors = await typecheck(
    project,
    { strict: true, noEmit: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom', 'dom.iterable'], types: ['node'], jsx: 'react-jsx', resolveJsonModule: true, skipLibCheck: true },
    files,
  );
  for (const [name, f] of Object.entries(files)) {
    const problems = errors.get(name);
    report(!problems, `${where(f.block)} ${f.block.lang}`, problems ? problems.join('\n') : 'type-checks (strict)');
  }
  for (const [name, problems] of errors) if (!files[name]) report(false, `typecheck ${name}`, problems.join('\n'));

  // The Node blocks that run, as a Node project compiles them: nodenext, every declaration file checked.
  const node = all.filter((b) => b.run?.kind === 'node-esm' || b.run?.kind === 'node-cjs');
  const nodeFiles = Object.fromEntries(
    node.map((b) => [`${b.file.replace(/[/.]/g, '_')}__${b.line}.${b.run.kind === 'node-cjs' ? 'cjs' : 'ts'}`, { block: b, text: b.text, offset: 0 }]),
  );
  if (node.length === 0) return;
  const nodeErrors = await typecheck(
    join(app, 'typecheck-nodenext'),
    { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', types: ['node'], skipLibCheck: false, allowJs: true, checkJs: true },
    nodeFiles,
  );
  for (const [name, f] of Object.entries(nodeFiles)) {
    const problems = nodeErrors.get(name);
    report(!problems, `${where(f.block)} ${f.block.run.kind} as a Node project (nodenext, skipLibCheck false)`, problems ? problems.join('\n') : 'type-checks');
  }
  for (const [name, problems] of nodeErrors) if (!nodeFiles[name]) report(false, `nodenext: ${name}`, problems.join('\n'));
}

// --- JSON ---------------------------------------------------------------------------------------
async function checkJson() {
  const { parseFlags } = await import(pathToFileURL(appRequire.resolve('@switchyard/core')).href);
  for (const b of all.filter((b) => b.lang === 'json')) {
    let value;
    try {
      value = JSON.parse(b.text);
    } catch {
      try {
        value = JSON.parse(`{${b.text}}`);
      } catch (e) {
        report(false, `${where(b)} json`, e.message);
        continue;
      }
    }
    // A flag document — not a keys file (`keys`) or a guard's evidence batch (`seq`), which also have `flags`.
    if (value && typeof value.flags === 'object' && !Array.isArray(value.flags) && value.keys === undefined && value.seq === undefined) {
      const result = parseFlags(value);
      const issues = result.issues.map((i) => `${i.path}: ${i.message}`);
      report(result.ok && issues.length === 0, `${where(b)} json`, issues.length ? issues.join('; ') : 'a valid flag document');
    } else {
      report(true, `${where(b)} json`, 'parses');
    }
  }
}

// --- shell --------------------------------------------------------------------------------------
const shLines = (b) =>
  b.text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((raw, i) => ({ line: raw.replace(/\s+#.*$/, '').trim(), at: b.line + 1 + i }));

/** `npm install|i|add …` commands in a line: every @switchyard/* name must be a package we publish. */
function checkNpmInstall(line, at) {
  const commands = line.split(/&&|;|\|\|/).map((c) => c.trim().split(/\s+/));
  const names = commands.filter((c) => c[0] === 'npm' && ['install', 'i', 'add'].includes(c[1])).flatMap((c) => c.slice(2).filter((t) => !t.startsWith('-')));
  if (names.length === 0) return false;
  const bare = names.map((n) => n.replace(/(.)@[^/]*$/, '$1'));
  const unknown = bare.filter((n) => (n.startsWith('@switchyard/') && !OURS.has(n)) || (n.startsWith('@openfeature/') && !(n in THIRD_PARTY)));
  report(unknown.length === 0, at, unknown.length ? `no such package: ${unknown.join(', ')}` : `installs ${bare.join(', ')} (ours from the tarballs; not run)`);
  return true;
}

/** One shell line, with the installed CLI (npx never downloads); it must exit 0. */
async function runShellLine(line, cwd, here) {
  const r = await run('bash', ['-c', line], { cwd, env: NPX_ENV, timeoutMs: 60_000 });
  report(r.status === 0, here, r.status === 0 ? line : `exit ${r.status}${r.timedOut ? ' (timed out)' : ''}: ${line}\n${clip(r.stdout + r.stderr)}`);
}

async function checkShell() {
  const repo = join(app, 'repo');
  cpSync(join(root, 'examples'), join(repo, 'examples'), { recursive: true, filter: (src) => basename(src) !== 'node_modules' });
  for (const b of all.filter((b) => b.lang === 'sh' && !b.run)) {
    for (const { line, at } of shLines(b)) {
      const here = `${b.file}:${at}`;
      if (checkNpmInstall(line, here)) continue;
      const m = /^npx switchyard (validate|evaluate|lint|rollout) (\S+)/.exec(line);
      if (!m) continue;
      if (m[1] === 'rollout' && !line.includes('--dry-run')) {
        report(null, here, "writes the reader's file (rollout without --dry-run)");
        continue;
      }
      if (!existsSync(join(repo, m[2]))) {
        report(null, here, `the reader's own ${m[2]}`);
        continue;
      }
      await runShellLine(line, repo, here);
    }
  }
}

// --- servers and origins ------------------------------------------------------------------------
/** `switchyard serve` of a copy of a repository file, on a free port, for the harness's own runs. */
async function serveCopy(path, cwd, cors) {
  if (!existsSync(join(root, path))) throw new Error(`serve=${path}: no such file in the repository`);
  mkdirSync(cwd, { recursive: true });
  cpSync(join(root, path), join(cwd, 'flags.json'));
  const server = await startServe(`npx switchyard serve flags.json --port 0 --store memory${cors ? ` --cors ${cors}` : ''}`, cwd);
  if (!server.url) {
    await server.stop();
    throw new Error(`switchyard serve ${path} did not start: ${clip(server.output())}`);
  }
  return server;
}

/** Starts `switchyard serve` (a shell line) in the background and waits for its banner. */
async function startServe(line, cwd) {
  const child = spawn('bash', ['-c', `exec ${line}`], { cwd, env: { ...process.env, ...NPX_ENV }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  groups.add(child.pid);
  let output = '';
  const url = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 60_000);
    const seen = (d) => {
      output += d;
      const m = /switchyard listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  return { url, child, output: () => output, stop: () => stopGroup(child) };
}

/** A tiny HTTP server on 127.0.0.1; `handler(req, res)`. */
async function listen(handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  closers.add(close);
  return { port: server.address().port, close: () => (closers.delete(close), close()) };
}

let origins;
async function edgeOrigins() {
  origins ??= Object.fromEntries(
    await Promise.all(['blue', 'green'].map(async (name) => [`${name.toUpperCase()}_ORIGIN`, `http://127.0.0.1:${(await listen((req, res) => res.end(`${name} ${req.url}`))).port}`])),
  );
  return origins;
}

let browser;
async function chromium() {
  if (!browser) {
    const { chromium } = workspace('playwright');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
    closers.add(() => browser.close());
  }
  return browser;
}

const bundle = async (options) => (await workspace('esbuild').build({ bundle: true, write: false, logLevel: 'silent', ...options })).outputFiles[0].text;
/** A worker bundled as wrangler does: ESM, no Node built-ins, the workerd/worker/browser exports. */
const bundleWorker = (entry) => bundle({ entryPoints: [entry], format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], absWorkingDir: dirname(entry) });
const matches = (text, prints) => prints === undefined || prints.split('|').some((p) => text.includes(p));

// --- runnable blocks, page by page --------------------------------------------------------------
async function runPage(file) {
  const marked = all.filter((b) => b.file === file && b.run && !b.markerError);
  if (marked.length === 0) return;
  const dir = join(app, 'pages', file.replace(/[/.]/g, '_'));
  mkdirSync(dir, { recursive: true });
  const page = { files: new Map() }; // what the page's HTTP origin serves
  const origin = await listen((req, res) => {
    const body = page.files.get(req.url.split('?')[0]);
    if (body === undefined) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': req.url.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body);
  });
  const pageOrigin = `http://localhost:${origin.port}`;
  let docServer; // started by a `sh` block of the page
  const servers = new Map(); // serve=PATH → a server the harness started
  const stops = [];
  /** The server a block runs against, and the block's text with its address substituted. */
  const serverFor = async (b) => {
    let server = docServer;
    if (b.run.options.serve) {
      const path = b.run.options.serve;
      if (!servers.has(path)) {
        const server = await serveCopy(path, join(dir, 'servers', String(servers.size)), pageOrigin);
        stops.push(server.stop);
        servers.set(path, server);
      }
      server = servers.get(path);
    }
    if (!server) {
      if (/(127\.0\.0\.1|localhost):8013\b/.test(b.text)) throw new Error('uses a flag server on :8013, but the page starts none: a `sh` block with `npx switchyard serve`, or serve=PATH in the marker');
      return { url: undefined, text: b.text };
    }
    const port = new URL(server.url).port;
    return { url: server.url, text: b.text.replace(/(127\.0\.0\.1|localhost):8013\b/g, `$1:${port}`) };
  };

  try {
    for (const b of marked) {
      const label = `${where(b)} ${b.run.kind}`;
      const { options } = b.run;
      try {
        switch (b.run.kind) {
          case 'file':
            writeFileSync(join(dir, options.file), `${b.text}\n`);
            report(true, label, `saved as ${options.file}`);
            break;
          case 'sh':
            for (const { line, at } of shLines(b)) {
              const here = `${b.file}:${at} sh`;
              if (!line || checkNpmInstall(line, here) || /^npm init\b/.test(line)) continue;
              if (/^npx switchyard serve\b/.test(line)) {
                if (docServer) throw new Error('a second `switchyard serve` on one page');
                const command = `${line.replace(/localhost:5173\b/g, `localhost:${origin.port}`)} --port 0`;
                docServer = await startServe(command, dir);
                stops.push(docServer.stop);
                report(Boolean(docServer.url), here, docServer.url ? `${line}  (in the background, on ${docServer.url})` : `did not start: ${clip(docServer.output())}`);
                if (!docServer.url) docServer = undefined;
                continue;
              }
              await runShellLine(line, dir, here);
            }
            break;
          case 'node-esm':
          case 'node-cjs': {
            const { text } = await serverFor(b);
            const name = options.file ?? `snippet-${b.line}.${b.run.kind === 'node-esm' ? 'mjs' : 'cjs'}`;
            writeFileSync(join(dir, name), `${text}\n`);
            const t0 = Date.now();
            const r = await run(process.execPath, [name], { cwd: dir, timeoutMs: 30_000 });
            const ok = r.status === 0 && matches(r.stdout, options.prints);
            const why = r.timedOut ? 'did not exit by itself within 30 s' : r.status !== 0 ? `exit ${r.status}` : `printed no "${options.prints}"`;
            report(ok, label, ok ? `node ${name}: exited 0 in ${Date.now() - t0} ms, printed "${r.stdout.trim().split('\n').pop()}"` : `${why}\n${clip(r.stdout + r.stderr)}`);
            break;
          }
          case 'browser': {
            const { text } = await serverFor(b);
            if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (bash scripts/chromium.sh installs it)`);
            const entry = join(dir, `browser-${b.line}.ts`);
            writeFileSync(entry, `${text}\n`);
            const js = await bundle({ entryPoints: [entry], format: 'esm', platform: 'browser', target: 'es2022', absWorkingDir: dir });
            page.files.set(`/browser-${b.line}.js`, js);
            page.files.set(`/browser-${b.line}.html`, `<!doctype html><meta charset="utf-8"><title>docs</title><script type="module" src="/browser-${b.line}.js"></script>`);
            const context = await (await chromium()).newContext();
            try {
              const tab = await context.newPage();
              const seen = [];
              tab.on('console', (m) => seen.push(`${m.type()}: ${m.text()}`));
              tab.on('pageerror', (e) => seen.push(`pageerror: ${e.message}`));
              await tab.goto(`${pageOrigin}/browser-${b.line}.html`, { timeout: 15_000 });
              const until = Date.now() + 20_000;
              const found = () => seen.find((s) => s.startsWith('log: ') && matches(s, options.prints ?? ''));
              while (!found() && !seen.some((s) => s.startsWith('pageerror')) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
              report(Boolean(found()), label, found() ? `Chromium, ${pageOrigin}: ${found().slice(5)}` : `no "${options.prints}" in the page's console within 20 s\n${clip(seen.join('\n'))}`);
            } finally {
              await context.close();
            }
            break;
          }
          case 'edge': {
            const { url, text } = await serverFor(b);
            const workerDir = options.dir ? join(dir, `edge-${b.line}`) : dir;
            if (options.dir) cpSync(join(root, options.dir), workerDir, { recursive: true, filter: (src) => basename(src) !== 'node_modules' });
            const entry = join(workerDir, `worker-${b.line}.ts`);
            writeFileSync(entry, `${text}\n`);
            const script = await bundleWorker(entry);
            const answer = await inWorkerd(script, { ...(url && { FLAGS_URL: url }), ...(await edgeOrigins()) }, async (fetch) => {
              const res = await fetch('http://localhost/');
              return { status: res.status, body: await res.text() };
            });
            const ok = answer.status === 200 && matches(answer.body, options.prints);
            const hint = url ? '' : '\n(no flag server for this block, so no FLAGS_URL binding: serve=PATH in the marker gives one)';
            report(ok, label, `workerd: GET / → ${answer.status} "${clip(answer.body, 200)}"${ok ? '' : hint}`);
            break;
          }
        }
      } catch (e) {
        report(false, label, e.stack ?? String(e));
      }
    }
  } finally {
    for (const stop of stops) await stop();
    await origin.close();
  }
}

/** A worker script in real workerd (Miniflare), disposed afterwards. */
async function inWorkerd(script, bindings, use) {
  const { Miniflare } = edgeWorkspace('miniflare');
  const mf = new Miniflare({ modules: true, script, compatibilityDate: '2026-04-01', bindings });
  const dispose = () => mf.dispose();
  closers.add(dispose);
  try {
    await mf.ready;
    return await use((url, init) => mf.dispatchFetch(url, init));
  } finally {
    closers.delete(dispose);
    await dispose();
  }
}

// --- examples/edge in workerd -------------------------------------------------------------------
async function runEdgeExample() {
  const label = 'examples/edge/worker.ts workerd';
  const dir = join(app, 'examples-edge');
  cpSync(join(root, 'examples/edge'), dir, { recursive: true });
  const flags = JSON.parse(readFileSync(join(dir, 'flags.json'), 'utf8'));
  const serveDir = join(app, 'examples-edge-server');
  const server = await serveCopy('examples/edge/flags.json', serveDir);
  try {
    const script = await bundleWorker(join(dir, 'worker.ts'));
    const steps = await inWorkerd(script, { FLAGS_URL: server.url, FLAGS_TTL_MS: '200', ...(await edgeOrigins()) }, async (fetch) => {
      const get = async (path, cookie) => {
        const res = await fetch(`http://shop.test${path}`, { headers: cookie ? { cookie } : {} });
        return { status: res.status, origin: res.headers.get('x-origin'), flag: res.headers.get('x-flag'), cookie: res.headers.get('set-cookie'), body: await res.text() };
      };
      const problems = [];
      const first = await get('/checkout?step=1');
      const user = /sy_uid=([\w-]+)/.exec(first.cookie ?? '')?.[1];
      if (first.status !== 200 || !['blue', 'green'].includes(first.origin) || first.body !== `${first.origin} /checkout?step=1` || !user) problems.push(`a new user: ${JSON.stringify(first)}`);
      const again = await get('/', `sy_uid=${user}`);
      if (again.origin !== first.origin || again.cookie) problems.push(`the same user again: ${JSON.stringify(again)} (first: ${first.origin})`);
      // The kill switch, turned on at the server, reaches the worker after its TTL.
      flags.flags['edge-kill-switch'].defaultVariant = 'on';
      writeFileSync(join(serveDir, 'flags.json.tmp'), JSON.stringify(flags, null, 2));
      renameSync(join(serveDir, 'flags.json.tmp'), join(serveDir, 'flags.json'));
      let killed;
      for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
        killed = await get('/', `sy_uid=${user}`);
        if (killed.flag === 'edge-kill-switch=on') break;
      }
      if (killed.flag !== 'edge-kill-switch=on' || killed.origin !== 'blue' || killed.body !== 'blue /') problems.push(`after the kill switch: ${JSON.stringify(killed)}`);
      return { problems, summary: `${first.origin} for a new user (cookie set), kept on ${again.origin}, blue after the kill switch (${killed.flag})` };
    });
    report(steps.problems.length === 0, label, steps.problems.length ? steps.problems.join('\n') : steps.summary);
  } catch (e) {
    report(false, label, e.stack ?? String(e));
  } finally {
    await server.stop();
  }
}

// --- all of it ----------------------------------------------------------------------------------
/** One phase; a failure is reported and the next phase still runs. */
async function phase(name, body) {
  try {
    await body();
    return true;
  } catch (e) {
    report(false, name, e.stack ?? String(e));
    return false;
  }
}
console.log(`working in ${tmp}`);
await phase('links', () => checkLinks(root, [...pages, ...(only.length ? [] : ['RELEASING.md'])], report));
if (await phase('install', install)) {
  await phase('typecheck', typecheckSnippets);
  await phase('json', checkJson);
  await phase('sh', checkShell);
  for (const file of pages) await phase(file, () => runPage(file));
  if (only.length === 0) await phase('examples/edge', runEdgeExample);
  else report(null, 'examples/edge/worker.ts workerd', 'not run when pages are named');
}
clearTimeout(deadline);
await finish(failures.length ? 1 : 0);
