import type { SyncSink } from '@switchyard/core';
import { ManualTimers } from '@switchyard/test-utils';
import { AppConfigDataServer, type ProtocolServerOptions } from '@switchyard/test-utils/node';
import { AppConfigDataSource, type AppConfigDataSourceOptions } from '../src/index.js';

export const CONFIG = JSON.stringify({ checkout: { enabled: true } });

/**
 * A local AppConfigData server with `CONFIG` deployed, and an AppConfigDataSource polling it through
 * the real AWS SDK on a manual clock (backoff 0.5 × 1 s, 2 s, …), started; what it reports is
 * collected. `endpoint` puts something (a proxy) between them. Call `stop` when done.
 */
export async function startPolledSource(
  intervalMs: number,
  serverOptions: ProtocolServerOptions = {},
  sourceOptions: Partial<AppConfigDataSourceOptions> = {},
  endpoint?: (server: AppConfigDataServer) => Promise<string>,
) {
  // The server enforces its interval on the wall clock; the source runs on the manual one, so off by default.
  const server = await new AppConfigDataServer({ intervalSeconds: intervalMs / 1000, enforcedIntervalMs: 0, ...serverOptions }).start();
  server.deploy('shop', 'prod', 'flags', CONFIG);
  const timers = new ManualTimers();
  const source = new AppConfigDataSource({
    application: 'shop',
    environment: 'prod',
    profile: 'flags',
    clientConfig: { region: 'us-east-1', endpoint: endpoint ? await endpoint(server) : server.url, credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' } },
    backoff: { initialMs: 1000, maxMs: 60_000, random: () => 0.5 },
    timers,
    ...sourceOptions,
  });
  const errors: string[] = [];
  const payloads: string[] = [];
  const sink: SyncSink = { payload: (p) => void payloads.push(p as string), reachable: () => undefined, unreachable: (e) => void errors.push(e.message) };
  const stop = async () => {
    source.stop();
    await server.stop();
  };
  try {
    await source.start(sink);
  } catch (e) {
    await stop();
    throw e;
  }
  return { server, source, timers, errors, payloads, sink, stop };
}
