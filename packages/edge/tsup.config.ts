import { defineConfig } from 'tsup';

// Two entries so a worker that does not use OpenFeature never bundles the SDK; neutral platform:
// workerd, edge-runtime and Deno all take web-standard ESM.
export default defineConfig({
  entry: ['src/index.ts', 'src/provider.ts'],
  format: ['esm'],
  target: 'es2022',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  clean: true,
});
