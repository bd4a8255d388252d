// What an npm install put on disk, and which packages a process loaded: helpers for install.mjs.
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bytes of every file under `dir` (apparent size, symlinks not followed). */
export function bytesUnder(dir, skip = () => false) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (skip(path)) continue;
    if (entry.isDirectory()) total += bytesUnder(path, skip);
    else total += lstatSync(path).size;
  }
  return total;
}

/** The name in a path after its last node_modules/ ("@scope/name" or "name"); undefined outside one. */
export function packageName(path) {
  const at = path.lastIndexOf('node_modules/');
  if (at === -1) return undefined;
  const [first, second] = path.slice(at + 'node_modules/'.length).split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}

/** Every package npm installed in `dir` (from its package-lock.json), each with its own bytes (nested node_modules excluded). */
export function installedPackages(dir) {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && !entry.link)
    .map(([path, entry]) => {
      const root = join(dir, path);
      const nested = join(root, 'node_modules');
      return { name: packageName(path), version: entry.version, resolved: entry.resolved, bytes: bytesUnder(root, (p) => p === nested) };
    });
}

/** The package a module file belongs to: from its last node_modules/ segment, else the nearest package.json (workspace packages). */
const owners = new Map();
function packageOf(file) {
  const name = packageName(file);
  if (name) return name;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (!owners.has(dir)) owners.set(dir, existsSync(join(dir, 'package.json')) ? JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name : null);
    if (owners.get(dir) !== null) return owners.get(dir);
  }
  return undefined;
}

/** The packages named in a log of loaded module files (loaded-modules.mjs writes one). */
export function loadedPackages(logFile) {
  if (!existsSync(logFile)) return [];
  const names = new Set();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line) continue;
    const name = packageOf(line.startsWith('file:') ? fileURLToPath(line) : line);
    if (name) names.add(name);
  }
  return [...names].sort();
}

/** AWS SDK packages: @aws-sdk/* and the runtime they bring (@smithy/*, @aws-crypto/*). */
export const isAws = (name) => /^@(aws-sdk|smithy|aws-crypto)\//.test(name);
