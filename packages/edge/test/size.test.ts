import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script shared with benchmarks/size.mjs
import { BUDGETS, bundleSize } from '../../../scripts/bundle-size.mjs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const { target: TARGET, ceiling: CEILING } = BUDGETS.edge;

describe('bundle size (esbuild platform=neutral, minify, gzip -9)', () => {
  it('the direct evaluator (EdgeFlags + core) stays under its ceiling and needs no SDK', async () => {
    const size = await bundleSize({ contents: "export { EdgeFlags } from './dist/index.js';", resolveDir: packageDir, platform: 'neutral', external: [] });
    console.log(`@switchyard/edge EdgeFlags + core: ${size.minified} B minified, ${size.gzip} B gzip (target ${TARGET}, ceiling ${CEILING})`);
    expect(size.gzip).toBeLessThanOrEqual(CEILING);
  });
});
