import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script shared with benchmarks/size.mjs
import { BUDGETS, bundleSize } from '../../../scripts/bundle-size.mjs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const { target: TARGET, ceiling: CEILING } = BUDGETS.web;

// Measures the built package (dist/), as an application bundles it.
describe('bundle size (esbuild minify, gzip -9, @openfeature/web-sdk external)', () => {
  it('SwitchyardWebProvider with the core stays under its ceiling', async () => {
    const size = await bundleSize({ contents: "export { SwitchyardWebProvider } from './dist/index.js';", resolveDir: packageDir });
    console.log(`@switchyard/web SwitchyardWebProvider + core: ${size.minified} B minified, ${size.gzip} B gzip (target ${TARGET}, ceiling ${CEILING})`);
    expect(size.gzip).toBeLessThanOrEqual(CEILING);
  });

  it('SwitchyardOfrepProvider does not pull in the evaluator', async () => {
    const size = await bundleSize({ contents: "export { SwitchyardOfrepProvider } from './dist/index.js';", resolveDir: packageDir });
    console.log(`@switchyard/web SwitchyardOfrepProvider: ${size.minified} B minified, ${size.gzip} B gzip`);
    expect(size.gzip).toBeLessThanOrEqual(BUDGETS.ofrep.ceiling);
  });
});
