import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script shared with benchmarks/size.mjs
import { BUDGETS, bundleSize } from '../../../scripts/bundle-size.mjs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('bundle size (esbuild platform=neutral, minify, gzip -9)', () => {
  it('the direct evaluator (EdgeFlags + core) stays within its budget and needs no SDK', async () => {
    const size = await bundleSize({ contents: "export { EdgeFlags } from './dist/index.js';", resolveDir: packageDir, platform: 'neutral', external: [] });
    console.log(`@switchyard/edge EdgeFlags + core: ${size.minified} B minified, ${size.gzip} B gzip (budget ${BUDGETS.edge})`);
    expect(size.gzip).toBeLessThanOrEqual(BUDGETS.edge);
  });
});
