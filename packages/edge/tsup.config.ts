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
});
