import { defineConfig } from 'tsup';

// ESM only: browsers and bundlers; tree-shakable (no side effects, one module per concern).
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'es2022',
  platform: 'browser',
  dts: true,
  sourcemap: true,
  clean: true,
});
