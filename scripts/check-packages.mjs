#!/usr/bin/env node
// Checks every published package as npm will ship it. Builds nothing: run it after the build
// (`npm run build`, or scripts/setup.sh). For each package that is not private it
//   * packs it with pnpm into a temporary directory (prepack copies the LICENSE in; workspace:*
//     dependencies become version ranges), exactly as `pnpm publish` would;
//   * runs publint on the tarball, strict: warnings count as errors (suggestions are only shown);
//   * runs @arethetypeswrong/cli on the tarball with the strict profile: node10, node16 from CJS,
//     node16 from ESM and bundler resolution must all find JavaScript and types;
//   * checks the contents: README.md, LICENSE and package.json present, no source map embedding the
//     sources, no src/ or test files, no workspace: specifier left, README links absolute (relative
//     ones break on the npm website).
// Exits 1 with a per-package report on any problem, 0 when every package is clean.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { assertBuilt, pack, publishedPackages } from './packages.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const attwPkg = require.resolve('@arethetypeswrong/cli/package.json');
const attwBin = join(dirname(attwPkg), JSON.parse(readFileSync(attwPkg, 'utf8')).bin.attw);

/** The files of a .tgz (extracted with the system's tar): { path (without the leading "package/"), data }. */
function untar(file) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-tarball-'));
  try {
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    const top = join(dir, 'package');
    return readdirSync(top, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const full = join(e.parentPath ?? e.path, e.name);
        return { path: relative(top, full).split(sep).join('/'), data: readFileSync(full) };
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function contentProblems(entries) {
  const problems = [];
  const paths = new Set(entries.map((e) => e.path));
  for (const required of ['README.md', 'LICENSE', 'package.json']) {
    if (!paths.has(required)) problems.push(`${required} is missing`);
  }
  for (const { path, data } of entries) {
    if (/(^|\/)(src|test|tests|__tests__)\//.test(path) || /\.(test|spec)\.[cm]?[jt]sx?$/.test(path) || /(?<!\.d)\.[cm]?tsx?$/.test(path)) {
      problems.push(`${path}: source or test file`);
    }
    if (path.endsWith('.map')) {
      const map = JSON.parse(data.toString('utf8'));
      if (map.sourcesContent?.some((s) => s != null)) problems.push(`${path}: source map embeds the sources (sourcesContent)`);
      // A path of the machine that built it: leaks, and resolves nowhere on the user's.
      const absolute = [map.file, ...(map.sources ?? [])].filter((p) => typeof p === 'string' && /^(\/|[A-Za-z]:[\\/]|file:)/.test(p));
      if (absolute.length) problems.push(`${path}: source map names absolute paths (${absolute[0]})`);
    }
  }
  const manifest = JSON.parse(entries.find((e) => e.path === 'package.json')?.data.toString('utf8') ?? '{}');
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`package.json ${field}.${name} is still ${range}`);
    }
  }
  const readme = entries.find((e) => e.path === 'README.md')?.data.toString('utf8') ?? '';
  for (const [, link] of readme.matchAll(/\]\((?!https?:|mailto:|#)([^)]+)\)/g)) problems.push(`README.md: relative link ${link}`);
  return { problems, manifest };
}

async function publintProblems(file, manifest) {
  const data = readFileSync(file);
  const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const { messages } = await publint({ pack: { tarball }, strict: true, level: 'suggestion' });
  const line = (m) => `publint ${m.code}: ${formatMessage(m, manifest, { color: false }) ?? ''}`;
  return { problems: messages.filter((m) => m.type !== 'suggestion').map(line), notes: messages.filter((m) => m.type === 'suggestion').map(line) };
}

function attwProblems(file) {
  const run = spawnSync(process.execPath, [attwBin, file, '--profile', 'strict', '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  let report;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    return [`attw failed (exit ${run.status}): ${(run.stderr || run.stdout).trim()}`];
  }
  const problems = Object.values(report.problems ?? {}).flat();
  const where = (p) => [p.entrypoint, p.resolutionKind, p.fileName].filter(Boolean).join(' ');
  const listed = problems.map((p) => `attw ${p.kind}${where(p) ? ` (${where(p)})` : ''}`);
  if (run.status !== 0 && listed.length === 0) listed.push(`attw exited ${run.status}: ${run.stderr.trim()}`);
  return listed;
}

const kb = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
const packages = publishedPackages(root);
try {
  assertBuilt(root, packages);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}

const out = mkdtempSync(join(tmpdir(), 'switchyard-packs-'));
let failed = 0;
try {
  for (const p of packages) {
    const file = pack(p, out);
    const entries = untar(file);
    const { problems, manifest } = contentProblems(entries);
    const linted = await publintProblems(file, manifest);
    problems.push(...linted.problems, ...attwProblems(file));
    const unpacked = entries.reduce((sum, e) => sum + e.data.length, 0);
    console.log(`${problems.length ? 'FAIL' : 'ok  '}  ${manifest.name}@${manifest.version}  ${entries.length} files, ${kb(readFileSync(file).length)} packed, ${kb(unpacked)} unpacked`);
    for (const p of problems) console.log(`        ${p}`);
    for (const n of linted.notes) console.log(`        note: ${n}`);
    if (problems.length) failed++;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log(failed ? `\n${failed} of ${packages.length} package(s) have problems` : `\nall ${packages.length} packages are ready to publish (publint, attw, contents)`);
process.exit(failed ? 1 : 0);
