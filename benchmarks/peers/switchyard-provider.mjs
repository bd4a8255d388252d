// The Switchyard provider set up as the Node README shows: a SwitchyardProvider watching a flag file,
// registered with OpenFeature and awaited. Shared by the provider.evaluator and OpenFeature-client peers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenFeature } from '@openfeature/server-sdk';
import { SwitchyardProvider } from '@switchyard/node';
import { FLAGS } from '../fixtures.mjs';

let domains = 0;

/** `flags` as [key, shape] → a ready provider on a temp flag file, its OpenFeature client, and `close`. */
export async function startProvider(flags) {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-'));
  const path = join(dir, 'flags.json');
  await writeFile(path, JSON.stringify({ flags: Object.fromEntries(flags.map(([key, shape]) => [key, FLAGS[shape]])) }));
  const provider = new SwitchyardProvider({ source: { type: 'file', path } });
  // One domain per provider so the peers never replace each other's registration.
  const domain = `bench-${domains++}`;
  await OpenFeature.setProviderAndWait(domain, provider);
  return {
    provider,
    client: OpenFeature.getClient(domain),
    close: async () => {
      await provider.onClose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
