import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script shared with benchmarks/size.mjs
import { BUDGETS, bundleSize } from '../../../scripts/bundle-size.mjs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// Measures the built package (dist/), as an application bundles it.
describe('bundle size (esbuild minify, gzip -9, @openfeature/web-sdk external)', () => {
  it('SwitchyardWebProvider with the core stays within its budget', async () => {
    const size = await bundleSize({ contents: "export { SwitchyardWebProvider } from './dist/index.js';", resolveDir: packageDir });
    console.log(`@switchyard/web SwitchyardWebProvider + core: ${size.minified} B minified, ${size.gzip} B gzip (budget ${BUDGETS.web})`);
    expect(size.gzip).toBeLessThanOrEqual(BUDGETS.web);
  });

  it('SwitchyardOfrepProvider does not pull in the evaluator', async () => {
    const size = await bundleSize({ contents: "export { SwitchyardOfrepProvider } from './dist/index.js';", resolveDir: packageDir });
    console.log(`@switchyard/web SwitchyardOfrepProvider: ${size.minified} B minified, ${size.gzip} B gzip (budget ${BUDGETS.ofrep})`);
    expect(size.gzip).toBeLessThanOrEqual(BUDGETS.ofrep);
  });
});
