import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The built package (dist/), as users load it: importing it for its formats or the Agent source must
// not load the AWS SDK; an AppConfigDataSource loads it when it starts.
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface Loads {
  atImport: string[];
  afterStart: string[];
  errors: string[];
}

/** Runs fixtures/load-entry.mjs on `entry` in a fresh Node process with the resolution log hooked in. */
async function loadsOf(entry: string): Promise<Loads> {
  if (!existsSync(join(dist, entry))) throw new Error(`no ${entry} in ${dist}: build @switchyard/appconfig first`);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-appconfig-'));
  const log = join(dir, 'resolutions.log');
  writeFileSync(log, '');
  const { NODE_OPTIONS: _, ...env } = process.env; // only our hooks, nothing the test runner added
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', fixture('record-resolutions.mjs'), fixture('load-entry.mjs'), join(dist, entry)], {
      env: { ...env, RESOLUTION_LOG: log },
      timeout: 20_000,
    });
    return JSON.parse(stdout) as Loads;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the AWS SDK is loaded only when an AppConfigDataSource starts', () => {
  for (const entry of ['index.js', 'index.cjs']) {
    it(`dist/${entry}`, async () => {
      const loads = await loadsOf(entry);
      expect(loads.atImport).toEqual([]);
      // The check sees the SDK when it is loaded: the same process records it once the source has polled.
      expect(loads.afterStart.length).toBeGreaterThan(0);
      expect(loads.errors).toHaveLength(1);
      expect(loads.errors[0]).toMatch(/^appconfig:shop\/prod\/flags: /);
    });
  }
});
