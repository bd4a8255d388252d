import { defineConfig } from 'tsup';

// ES2022 keeps async native; platform neutral because the core must run in Node, browsers and workers.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  target: 'es2022',
  platform: 'neutral',
  dts: true,
  // Maps point into src/ (not published) instead of embedding it: stack traces keep their positions.
  sourcemap: true,
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
  clean: true,
  treeshake: true,
});
