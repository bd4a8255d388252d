import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { defineConfig } from 'tsup';

// Two entries so a worker that does not use OpenFeature never bundles the SDK; neutral platform:
// workerd, edge-runtime and Deno all take web-standard ESM. The CJS build serves require() (Node,
// older toolchains); `splitting` gives it the shared chunk ESM has, so both entries share one EdgeFlags.
export default defineConfig({
  entry: ['src/index.ts', 'src/provider.ts'],
  format: ['esm', 'cjs'],
  splitting: true,
  target: 'es2022',
  platform: 'neutral',
  dts: true,
  // Maps point into src/ (not published) instead of embedding it: stack traces keep their positions.
  sourcemap: true,
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
  clean: true,
  // tsup's CJS splitting (a sucrase pass) names its own output by absolute path in the .cjs maps:
  // relative paths, like every other map, so no build machine's path is published.
  async onSuccess() {
    const dist = resolve('dist');
    for (const name of readdirSync(dist).filter((f) => f.endsWith('.cjs.map'))) {
      const map = JSON.parse(readFileSync(join(dist, name), 'utf8'));
      const local = (p: string) => (isAbsolute(p) ? relative(dist, p) : p);
      map.sources = map.sources.map(local);
      if (map.file) map.file = local(map.file);
      writeFileSync(join(dist, name), JSON.stringify(map));
    }
  },
});
