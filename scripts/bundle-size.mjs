// Bundle size as a frontend build sees it: esbuild bundles the entry for the browser (or `neutral`
// for edge workers), minified ESM, with the OpenFeature SDK external (the app ships it anyway), then
// gzip -9. The test suite enforces budgets with it and benchmarks/size.mjs measures the peers with it.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

/**
 * Gzip budgets in bytes: the size tests fail CI above them and benchmarks/size.mjs prints them. The
 * evaluator with flagd's whole operator set and validation is 7 KB by itself; every provider also
 * carries the shared sync machinery (one status machine, one lifecycle mapping it to OpenFeature
 * events, one poller: about 1.3–1.8 KB). These are the measured sizes plus room for small fixes — see
 * docs/web.md#bundle-size for what each part costs.
 */
export const BUDGETS = {
  web: 13.5 * 1024,
  ofrep: 5.5 * 1024,
  edge: 12.25 * 1024,
};

export const OPENFEATURE_SDK = ['@openfeature/web-sdk', '@openfeature/server-sdk', '@openfeature/core'];

/** `contents` is an ES module (e.g. `export { X } from 'pkg'`) resolved from `resolveDir`; `plugins` are esbuild's. */
export async function bundleSize({ contents, resolveDir, platform = 'browser', external = OPENFEATURE_SDK, plugins = [] }) {
  const result = await build({
    stdin: { contents, resolveDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    external,
    write: false,
    logLevel: 'silent',
    plugins,
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
}
