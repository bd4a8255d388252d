// The packages npm gets (packages/* not marked private), and packing one as `pnpm publish` would:
// shared by scripts/check-packages.mjs and scripts/docs-test.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const PNPM = ['--yes', 'pnpm@10.34.9'];

/** { dir, manifest } of each published package. */
export function publishedPackages(root) {
  return readdirSync(join(root, 'packages'))
    .filter((p) => existsSync(join(root, 'packages', p, 'package.json')))
    .map((p) => ({ dir: join(root, 'packages', p), manifest: JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')) }))
    .filter((p) => !p.manifest.private);
}

/** Throws unless every package has its dist/: packing builds nothing. */
export function assertBuilt(root, packages) {
  const unbuilt = packages.filter(({ dir }) => !existsSync(join(dir, 'dist')));
  if (unbuilt.length) throw new Error(`dist/ is missing in ${unbuilt.map(({ dir }) => relative(root, dir)).join(', ')}: build the packages first (bash scripts/setup.sh)`);
}

/** Packs one package into `destination` (prepack copies the LICENSE in; workspace: ranges become versions); returns the tarball's path. */
export function pack({ dir, manifest }, destination) {
  execFileSync('npx', [...PNPM, 'pack', '--pack-destination', destination], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  return join(destination, `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`);
}
