// Bundle sizes of Switchyard's browser providers and the peers' browser SDKs, all built the same way
// (scripts/bundle-size.mjs: esbuild bundle + minify, ESM, browser, OpenFeature SDK external, gzip -9).
// Writes the `size` and `size-breakdown` sections of benchmarks/README.md.
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { BUDGETS, bundleSize } from '../scripts/bundle-size.mjs';
import { writeSection } from './report.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
// Read from node_modules directly: some packages do not export their package.json.
const version = (name) => JSON.parse(readFileSync(`${here}node_modules/${name}/package.json`, 'utf8')).version;

// What an application imports to get flags in the browser; `evaluates` says where rules run.
const ENTRIES = [
  { name: '@switchyard/web', label: 'SwitchyardWebProvider', contents: "export { SwitchyardWebProvider } from '@switchyard/web';", evaluates: 'in the browser (flagd rules)', ours: true, budget: BUDGETS.web },
  { name: '@switchyard/web', label: 'SwitchyardOfrepProvider', contents: "export { SwitchyardOfrepProvider } from '@switchyard/web';", evaluates: 'on the server (OFREP)', ours: true, budget: BUDGETS.ofrep },
  { name: '@switchyard/edge', label: 'EdgeFlags (platform neutral)', contents: "export { EdgeFlags } from '@switchyard/edge';", evaluates: 'in the worker (flagd rules)', ours: true, budget: BUDGETS.edge, platform: 'neutral', external: [] },
  { name: '@openfeature/flagd-web-provider', label: 'FlagdWebProvider', contents: "export { FlagdWebProvider } from '@openfeature/flagd-web-provider';", evaluates: 'on the server (flagd gRPC-web)' },
  { name: '@openfeature/ofrep-web-provider', label: 'OFREPWebProvider', contents: "export { OFREPWebProvider } from '@openfeature/ofrep-web-provider';", evaluates: 'on the server (OFREP)' },
  { name: '@growthbook/growthbook', label: 'GrowthBook', contents: "export { GrowthBook } from '@growthbook/growthbook';", evaluates: 'in the browser' },
  { name: 'launchdarkly-js-client-sdk', label: 'initialize (v3)', contents: "export { initialize } from 'launchdarkly-js-client-sdk';", evaluates: 'on the server' },
  { name: '@launchdarkly/js-client-sdk', label: 'createClient (v4)', contents: "export { createClient } from '@launchdarkly/js-client-sdk';", evaluates: 'on the server' },
  { name: 'unleash-proxy-client', label: 'UnleashClient', contents: "export { UnleashClient } from 'unleash-proxy-client';", evaluates: 'on the server (proxy/edge)' },
  { name: 'flagsmith', label: 'default export', contents: "export { default } from 'flagsmith';", evaluates: 'on the server' },
  { name: '@openfeature/web-sdk', label: 'OpenFeature (for reference; external above)', contents: "export { OpenFeature } from '@openfeature/web-sdk';", evaluates: '—', external: [] },
];

const rows = [];
for (const entry of ENTRIES) {
  const size = await bundleSize({ contents: entry.contents, resolveDir: here, ...(entry.external ? { external: entry.external } : {}), ...(entry.platform ? { platform: entry.platform } : {}) });
  rows.push({ ...entry, version: version(entry.name), ...size });
  console.log(`${entry.name} ${entry.label}: ${size.minified} B min, ${size.gzip} B gzip`);
}

const kb = (b) => (b / 1024).toFixed(1);
const markdown = [
  `Measured ${new Date().toISOString().slice(0, 10)} with esbuild (bundle, minify, ESM, platform browser), \`@openfeature/web-sdk\`/\`@openfeature/core\` external, gzip -9.`,
  '',
  '| package | import | evaluates | min | min + gzip | budget (CI) |',
  '|---|---|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.ours ? `**${r.name}**` : `${r.name} ${r.version}`} | ${r.label} | ${r.evaluates} | ${kb(r.minified)} KB | ${r.ours ? `**${kb(r.gzip)} KB**` : `${kb(r.gzip)} KB`} (${r.gzip} B) | ${r.budget ? `${kb(r.budget)} KB` : ''} |`),
].join('\n');
await writeSection('size', markdown, rows.map(({ name, label, version, minified, gzip }) => ({ name, label, version, minified, gzip })));

// Where Switchyard's bytes go: each layer bundled on its own (gzip of the whole layer, so what a part
// adds is the difference), and what three operator groups cost inside the evaluator.
const LAYERS = {
  browser: [
    ['evaluator: parse, validate, compile, resolve (all flagd operators)', "export { parseFlags } from '@switchyard/core';"],
    ['+ snapshot store: atomic swap, exact changed keys', "export { SnapshotStore } from '@switchyard/core';"],
    ['+ sync: SSE, ETag polling, backoff, staleness', "export { SyncEngine, SseStream, HttpPoller } from '@switchyard/core';"],
    ['+ `SwitchyardWebProvider`: OpenFeature events, persistence, page visibility', "export { SwitchyardWebProvider } from '@switchyard/web';"],
  ],
  neutral: [
    ['evaluator: parse, validate, compile, resolve (all flagd operators)', "export { parseFlags } from '@switchyard/core';"],
    ['+ snapshot store: atomic swap, exact changed keys', "export { SnapshotStore } from '@switchyard/core';"],
    ['+ `EdgeFlags`: TTL refresh, ETag, platform cache, fallback', "export { EdgeFlags } from '@switchyard/edge';"],
  ],
};
const layers = [];
for (const [platform, entries] of Object.entries(LAYERS)) {
  let before = 0;
  for (const [part, contents] of entries) {
    const { gzip } = await bundleSize({ contents, resolveDir: here, platform, ...(platform === 'neutral' ? { external: [] } : {}) });
    layers.push({ platform, part, gzip, adds: gzip - before });
    before = gzip;
  }
}

// The evaluator built from source with operator modules replaced by empty ones.
const OPERATOR_GROUPS = { sem_ver: 'sem-ver', 'arithmetic (+ - * / % min max)': 'arithmetic', 'arrays (map filter reduce all some none merge)': 'arrays' };
const withoutOperators = (modules) => ({
  name: 'without-operators',
  setup(b) {
    const filter = new RegExp(`operators/(${modules.join('|')})\\.ts$`);
    b.onLoad({ filter }, () => ({ contents: 'export const semVerOperator = undefined, arithmeticOperators = {}, arrayOperators = {};', loader: 'ts' }));
  },
});
const evaluatorSize = (modules) =>
  bundleSize({ contents: "export { parseFlags } from '../packages/core/src/index.ts';", resolveDir: here, plugins: modules.length ? [withoutOperators(modules)] : [] });
const full = (await evaluatorSize([])).gzip;
const operators = [];
for (const [group, module] of Object.entries(OPERATOR_GROUPS)) operators.push({ group, gzip: full - (await evaluatorSize([module])).gzip });
operators.push({ group: 'the three together', gzip: full - (await evaluatorSize(Object.values(OPERATOR_GROUPS))).gzip });

const breakdown = [
  'Each layer bundled on its own (gzip -9); "adds" is the difference from the layer above.',
  '',
  '| platform | layer | adds | total |',
  '|---|---|---:|---:|',
  ...layers.map((l) => `| ${l.platform} | ${l.part} | ${l.adds} B | ${l.gzip} B |`),
  '',
  'Inside the evaluator (built from source, the operator module replaced by an empty one):',
  '',
  '| operators | cost |',
  '|---|---:|',
  ...operators.map((o) => `| ${o.group} | ${o.gzip} B |`),
].join('\n');
for (const l of layers) console.log(`${l.platform} ${l.part}: +${l.adds} B = ${l.gzip} B`);
for (const o of operators) console.log(`operators ${o.group}: ${o.gzip} B`);
await writeSection('size-breakdown', breakdown, { layers, operators });
