import { rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

const common: Options = {
  target: 'es2022',
  platform: 'node',
  dts: { entry: 'src/index.ts' },
  // Maps point into src/ (not published) instead of embedding it: stack traces keep their positions.
  sourcemap: true,
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
};

// bin/switchyard.js imports dist/main.js, so main is built as ESM only; the library (index) is ESM and
// CommonJS. The two builds run side by side into dist/, where either one's `clean` could delete the
// other's files: dist/ is emptied here, once, before both start.
export default defineConfig(() => {
  rmSync('dist', { recursive: true, force: true });
  return [
    { ...common, entry: ['src/index.ts', 'src/main.ts'], format: ['esm'] },
    // `shims`: import.meta.url (how `--version` finds package.json) in the CommonJS build too.
    { ...common, entry: ['src/index.ts'], format: ['cjs'], shims: true },
  ];
});
