import { defineConfig } from 'tsup';

// Browsers and bundlers take the ESM build (tree-shakable: no side effects, one module per concern);
// the CJS build serves require() in server-side rendering and older toolchains.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  target: 'es2022',
  platform: 'browser',
  dts: true,
  // Maps point into src/ (not published) instead of embedding it: stack traces keep their positions.
  sourcemap: true,
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
  clean: true,
});
