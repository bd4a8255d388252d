// Bundle size as a frontend build sees it: esbuild bundles the entry for the browser (or `neutral`
// for edge workers), minified ESM, with the OpenFeature SDK external (the app ships it anyway), then
// gzip -9. The test suite enforces budgets with it and benchmarks/size.mjs measures the peers with it.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

/** Gzip budgets in bytes, read by the size tests (which fail CI above `ceiling`) and benchmarks/size.mjs.
 * `target` is the budget (issues 6 and 7, not met yet); `ceiling` stops any growth meanwhile. */
export const BUDGETS = {
  web: { target: 8 * 1024, ceiling: 10 * 1024 },
  ofrep: { ceiling: 3 * 1024 },
  edge: { target: 6 * 1024, ceiling: 9 * 1024 },
};

export const OPENFEATURE_SDK = ['@openfeature/web-sdk', '@openfeature/server-sdk', '@openfeature/core'];

/** `contents` is an ES module (e.g. `export { X } from 'pkg'`) resolved from `resolveDir`. */
export async function bundleSize({ contents, resolveDir, platform = 'browser', external = OPENFEATURE_SDK }) {
  const result = await build({
    stdin: { contents, resolveDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    external,
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
}
